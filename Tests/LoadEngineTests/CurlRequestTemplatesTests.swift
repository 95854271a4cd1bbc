@testable import LoadEngine
import Testing

@Suite struct CurlRequestTemplatesTests {
    @Test(arguments: [(0.0, 0), (0.59, 0), (0.6, 1), (0.79, 1), (0.8, 2), (0.999, 2)])
    func picksByCumulativeWeight(uniform: Double, expected: Int) {
        let templates = CurlRequestTemplates([
            RequestSpec(url: "http://127.0.0.1/a", weight: 3),
            RequestSpec(url: "http://127.0.0.1/b", weight: 1),
            RequestSpec(url: "http://127.0.0.1/c", weight: 1),
        ])
        #expect(templates.pick(uniform) == expected)
    }
}
