import BenchSupport
import Foundation
@testable import Scenario
import StackbenchTesting
import Testing

/// The settings module `stackbench runserver --settings` is given for a Django project on the Swift stack: the one
/// manage.py names, or one line naming manage.py when it cannot be found.
struct DjangoSettingsModuleTests {
    @Test func theModuleManagePyNames() throws {
        let folder = try TemporaryFolder()
        try "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"
            .write(toFile: folder.file("manage.py"), atomically: true, encoding: .utf8)
        #expect(try DjangoSettingsModule.named(inProject: folder.path) == "mysite.settings")
    }

    @Test func noManagePyOrNoDefaultIsOneLineNamingIt() throws {
        let folder = try TemporaryFolder()
        #expect { try DjangoSettingsModule.named(inProject: folder.path) } throws: {
            "\($0)".contains("\(folder.file("manage.py")): cannot read it")
        }
        try "print('no settings here')\n".write(toFile: folder.file("manage.py"), atomically: true, encoding: .utf8)
        #expect { try DjangoSettingsModule.named(inProject: folder.path) } throws: {
            "\($0)".contains("manage.py: names no DJANGO_SETTINGS_MODULE default")
        }
    }
}
