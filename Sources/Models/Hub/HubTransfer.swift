import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request run to completion on a URLSession, synchronously: the body streamed to
/// `sink` (with the status) for a 200/206 answer, kept in memory (up to 64 KiB) otherwise.
final class HubTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private let followRedirects: Bool
    private let sink: ((Int, Data) throws -> Void)?
    private var response: HTTPURLResponse?
    private var body = Data()
    private var streaming = false
    private var failure: (any Error)?
    private var sinkFailure: (any Error)?

    private init(followRedirects: Bool, sink: ((Int, Data) throws -> Void)?) {
        self.followRedirects = followRedirects
        self.sink = sink
    }

    /// The outcome of a request.
    struct Outcome {
        var response: HubHTTPResponse?
        /// A transport failure (connection refused or dropped, timeout).
        var transportError: String?
        /// An error thrown by the sink (a disk write).
        var sinkError: (any Error)?
    }

    /// Runs `request`; a redirect is followed only when `followRedirects` (the Authorization
    /// header is dropped when it leads to another host).
    static func run(_ request: URLRequest, followRedirects: Bool, sink: ((Int, Data) throws -> Void)? = nil) -> Outcome {
        let transfer = HubTransfer(followRedirects: followRedirects, sink: sink)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 60
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: queue)
        session.dataTask(with: request).resume()
        transfer.done.wait()
        session.finishTasksAndInvalidate()
        return transfer.lock.withLock {
            Outcome(response: transfer.response.map { HubHTTPResponse($0, body: transfer.body) },
                    transportError: transfer.failure.map { ($0 as NSError).localizedDescription },
                    sinkError: transfer.sinkFailure)
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void) {
        lock.withLock {
            self.response = response as? HTTPURLResponse
            let status = self.response?.statusCode ?? 0
            streaming = sink != nil && (status == 200 || status == 206)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let (streaming, sink, status) = lock.withLock { (self.streaming, self.sink, self.response?.statusCode ?? 0) }
        if streaming, let sink {
            do { try sink(status, data) } catch {
                lock.withLock { sinkFailure = error }
                dataTask.cancel()
            }
        } else {
            lock.withLock { if body.count < 65_536 { body.append(data) } }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        guard followRedirects else { completionHandler(nil); return }
        var next = request
        if request.url?.host != task.originalRequest?.url?.host || request.url?.port != task.originalRequest?.url?.port {
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        lock.withLock {
            if sinkFailure == nil { failure = error }
            if response == nil, let http = task.response as? HTTPURLResponse { response = http }
        }
        done.signal()
    }
}
