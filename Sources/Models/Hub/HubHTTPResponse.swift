import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A response from the Hub: status, headers (lowercased names) and, for errors and HEAD
/// requests, the body.
struct HubHTTPResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    init(_ response: HTTPURLResponse, body: Data) {
        status = response.statusCode
        var lowered: [String: String] = [:]
        for (key, value) in response.allHeaderFields {
            if let key = key as? String, let value = value as? String { lowered[key.lowercased()] = value }
        }
        headers = lowered
        self.body = body
    }

    /// The header `name` (case-insensitive).
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}
