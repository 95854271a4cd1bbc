import Foundation
import GRDB

/// One teacher row.
struct Teacher: Equatable {
    let id: Int64
    let name: String
    let subject: String
    let email: String
    let years: Int64

    /// Writes the teacher as a JSON object, keys sorted as `json.dumps(sort_keys=True)` does.
    func write(to json: inout JSONText) {
        json.object(["email", "id", "name", "subject", "years"]) { json, key in
            switch key {
            case "email": json.string(email)
            case "id": json.number(id)
            case "name": json.string(name)
            case "subject": json.string(subject)
            default: json.number(years)
            }
        }
    }

    /// The values the template shows.
    var templateValues: [String: Any] {
        ["id": id, "name": name, "subject": subject, "email": email, "years": years]
    }
}

extension Teacher {
    /// From a row of the teachers table (in an extension, so the memberwise initialiser stays).
    init(row: Row) {
        self.init(id: row["id"], name: row["name"], subject: row["subject"], email: row["email"], years: row["years"])
    }
}

/// A teacher to insert: the body of `POST /api/teachers`, and each item of the seed file.
struct NewTeacher: Decodable, Equatable {
    let name: String
    let subject: String
    let email: String
    let years: Int?

    /// Decodes and checks a JSON body; the error text is what the 400 answer says.
    static func parse(_ body: [UInt8]) -> Result<NewTeacher, InvalidInput> {
        let teacher: NewTeacher
        do {
            teacher = try JSONDecoder().decode(NewTeacher.self, from: Data(body))
        } catch DecodingError.keyNotFound(let key, _) {
            return .failure(InvalidInput("missing field \"\(key.stringValue)\""))
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(InvalidInput(field.isEmpty ? "body must be a JSON object" : "field \"\(field)\" has the wrong type"))
        } catch {
            return .failure(InvalidInput("body is not valid JSON"))
        }
        if let problem = teacher.problem { return .failure(InvalidInput(problem)) }
        return .success(teacher)
    }

    /// The first rule the teacher breaks, or nil.
    var problem: String? {
        let trimmedName = name.trimmingCharacters(in: .whitespaces)
        if trimmedName.isEmpty || name.count > 100 { return "field \"name\" must be 1 to 100 characters" }
        if subject.trimmingCharacters(in: .whitespaces).isEmpty || subject.count > 100 {
            return "field \"subject\" must be 1 to 100 characters"
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count != 2 || parts[0].isEmpty || !parts[1].contains(".") || email.count > 254
            || email.contains(where: \.isWhitespace) {
            return "field \"email\" must be an email address"
        }
        if let years, !(0...80).contains(years) { return "field \"years\" must be between 0 and 80" }
        return nil
    }
}

/// Input the app refuses with 400.
struct InvalidInput: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}
