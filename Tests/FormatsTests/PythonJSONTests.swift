import Formats
import Foundation
import Testing

@Suite("Python-style JSON")
struct PythonJSONTests {
    @Test func matchesJsonDumpsIndent2SortKeys() throws {
        let source = #"{"b": [1, 2.5, 1e-05, 100000.0], "a": {"z": null, "y": true}, "c": "é\n", "d": [], "e": {}}"#
        let object = try JSONSerialization.jsonObject(with: Data(source.utf8))
        // python3 -c 'import json; print(json.dumps(json.loads(S), indent=2, sort_keys=True))'
        let expected = """
        {
          "a": {
            "y": true,
            "z": null
          },
          "b": [
            1,
            2.5,
            1e-05,
            100000.0
          ],
          "c": "\\u00e9\\n",
          "d": [],
          "e": {}
        }
        """
        #expect(PythonJSON(foundation: object).serialized() == expected)
    }
}
