import DevServer
import Foundation
import StackConfig
import StackbenchTesting
import Testing

@Suite struct CollectstaticTests {
    let folder: TemporaryFolder
    let settings: ProjectSettings

    /// Two source directories, `static` and `static2`, with one duplicate destination (css/app.css), a dotfile and
    /// an editor backup, collected into `static_all`.
    init() throws {
        folder = try TemporaryFolder()
        let files = [
            "static/css/app.css": "body{}", "static/js/app.js": "x()", "static/.hidden": "h", "static/notes.txt~": "b",
            "static2/css/app.css": "second", "static2/only2.txt": "2", "static2/.git/config": "g",
        ]
        for (path, contents) in files {
            let full = folder.file(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        }
        settings = try ProjectSettings.parse("STATICFILES_DIRS: [static, static2]\nSTATIC_ROOT: static_all\n",
                                             file: folder.file("settings.yml"))
    }

    func collect(_ configure: (inout Collectstatic.Options) -> Void = { _ in }, answer: Bool = true)
        throws -> (summary: Collectstatic.Summary, output: [String], asked: Bool) {
        var options = Collectstatic.Options()
        options.interactive = false
        configure(&options)
        var output: [String] = []
        var asked = false
        let summary = try Collectstatic(settings: settings, options: options).run(
            confirm: { _ in asked = true; return answer }, say: { output.append($0) })
        return (summary, output, asked)
    }

    func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: folder.file("static_all/" + path)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func copiesEveryFileFirstSourceWinningAndPrintsDjangosSummary() throws {
        let (summary, output, _) = try collect()
        #expect(summary.copied == 3)
        #expect(read("css/app.css") == "body{}", "the first STATICFILES_DIRS entry wins")
        #expect(read("only2.txt") == "2")
        #expect(read("js/app.js") == "x()")
        #expect(read(".hidden") == nil && read("notes.txt~") == nil && read(".git/config") == nil, "default ignores")
        #expect(output.last == "3 static files copied to '\(folder.path)/static_all'.")
        #expect(output.contains { $0.hasPrefix("Found another file with the destination path 'css/app.css'.") })
        let mode = try FileManager.default.attributesOfItem(atPath: folder.file("static_all/js/app.js"))[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test func unchangedFilesAreSkippedAndChangedOnesCopied() throws {
        _ = try collect()
        let second = try collect()
        #expect(second.summary.copied == 0 && second.summary.unmodified == 3)
        #expect(second.output.last == "0 static files copied to '\(folder.path)/static_all', 3 unmodified.")
        // A source newer than its copy (whole seconds) is copied again.
        try Data("body{color:red}".utf8).write(to: URL(fileURLWithPath: folder.file("static/css/app.css")))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)],
                                              ofItemAtPath: folder.file("static/css/app.css"))
        let third = try collect()
        #expect(third.output.last == "1 static file copied to '\(folder.path)/static_all', 2 unmodified.")
        #expect(read("css/app.css") == "body{color:red}")
    }

    @Test func clearDeletesEveryFileFirst() throws {
        _ = try collect()
        try Data("stale".utf8).write(to: URL(fileURLWithPath: folder.file("static_all/stale.txt")))
        let (summary, output, _) = try collect { $0.clear = true }
        #expect(summary.deleted == 4)
        #expect(summary.copied == 3, "after clearing nothing is unmodified")
        #expect(read("stale.txt") == nil)
        #expect(output.contains("Deleting 'stale.txt'"))
    }

    @Test func linkMakesAbsoluteSymlinks() throws {
        let (summary, output, _) = try collect { $0.link = true }
        #expect(summary.linked == 3)
        #expect(output.last == "3 static files symlinked to '\(folder.path)/static_all'.")
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("static_all/css/app.css"))
        #expect(target == folder.file("static/css/app.css"))
        // Switching back to copies replaces the links with files.
        let copied = try collect()
        #expect(copied.summary.copied == 3)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: folder.file("static_all/css/app.css"))) == nil)
    }

    @Test func dryRunChangesNothing() throws {
        let (summary, output, _) = try collect { $0.dryRun = true }
        #expect(summary.copied == 3)
        #expect(!FileManager.default.fileExists(atPath: folder.file("static_all")))
        #expect(output.contains { $0.hasPrefix("Pretending to copy '") })
    }

    @Test func ignorePatternsAndVerbosity() throws {
        let (summary, output, _) = try collect {
            $0.ignorePatterns = ["*.js"]
            $0.verbosity = 0
        }
        #expect(summary.copied == 2)
        #expect(output.isEmpty)
        let all = try collect { $0.useDefaultIgnorePatterns = false; $0.verbosity = 2 }
        #expect(read(".hidden") == "h" && read(".git/config") == "g")
        #expect(all.output.contains { $0.hasPrefix("Copying '") })
    }

    @Test func interactiveRunsAskOnlyWhenStaticRootHoldsFiles() throws {
        let first = try collect({ $0.interactive = true }, answer: false)
        #expect(!first.asked, "an empty STATIC_ROOT is not worth a question")
        #expect {
            _ = try collect({ $0.interactive = true }, answer: false)
        } throws: { "\($0)" == "Collecting static files cancelled." }
        let yes = try collect({ $0.interactive = true }, answer: true)
        #expect(yes.asked && yes.summary.unmodified == 3)
    }

    @Test func withoutStaticRootItRefusesNamingTheSetting() throws {
        let bare = try ProjectSettings.parse("STATICFILES_DIRS: [static]\n", file: folder.file("settings.yml"))
        #expect {
            _ = try Collectstatic(settings: bare, options: .init()).run(confirm: { _ in true }, say: { _ in })
        } throws: { "\($0)".contains("STATIC_ROOT: not set") }
    }
}
