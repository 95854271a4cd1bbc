import SwiftCompilerPlugin
import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxMacros

/// `@PublicInit` (declared in BenchSupport): the memberwise initialiser Swift synthesises for a struct, made public,
/// for the small stored types that other modules build (results, config values, errors).
///
/// Owns: reading the type's stored properties in declaration order and writing `public init(name: Type, ...)` that
/// assigns each, as the synthesised one does: a `var` with an initial value is a parameter with that default, an
/// optional `var` without one defaults to nil, a `let` with a value is not a parameter, a function type is
/// `@escaping`; and a private property with a value (an optional `var`: nil) is left to it.
/// `@PublicInit(.unlabeled)` leaves the labels out (`init(_ flag: String, _ problem: String)`), `.firstUnlabeled`
/// the first one's (`Styled("text", style: "bad")`).
/// Must not: guess a type — a stored property whose type is neither written nor a literal's (`= false`, `= 0`,
/// `= "GET"`) is an error at the property.
public struct PublicInitMacro: MemberMacro {
    public static func expansion(of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
                                 conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext) throws -> [DeclSyntax] {
        guard declaration.is(StructDeclSyntax.self) || declaration.is(ClassDeclSyntax.self) else {
            throw DiagnosticsError(diagnostics: [Diagnostic(node: node, message: Problem("@PublicInit applies to a struct or a class"))])
        }
        // The PublicInitLabels case named in the attribute, `.named` when none is.
        let labels = node.arguments?.as(LabeledExprListSyntax.self)?.first?.expression.as(MemberAccessExprSyntax.self)?.declName.baseName.text
        let properties = try storedProperties(of: declaration)
        let parameters = properties.enumerated().map { index, property in
            let unlabeled = labels == "unlabeled" || (labels == "firstUnlabeled" && index == 0)
            return (unlabeled ? "_ " : "") + "\(property.name): \(property.escaping ? "@escaping " : "")\(property.type)"
                + (property.defaultValue.map { " = \($0)" } ?? "")
        }
        let assignments = properties.map { "    self.\($0.name) = \($0.name)" }
        let text = "public init(\(parameters.joined(separator: ", "))) {\n\(assignments.joined(separator: "\n"))\n}"
        return [DeclSyntax(stringLiteral: text)]
    }

    struct StoredProperty {
        var name: String
        var type: String
        var defaultValue: String?
        var escaping: Bool
    }

    /// The properties the initialiser sets, in declaration order.
    static func storedProperties(of declaration: some DeclGroupSyntax) throws -> [StoredProperty] {
        var properties: [StoredProperty] = []
        for member in declaration.memberBlock.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self),
                  !variable.modifiers.contains(where: { [.keyword(.static), .keyword(.class), .keyword(.lazy)].contains($0.name.tokenKind) })
            else { continue }
            let isLet = variable.bindingSpecifier.tokenKind == .keyword(.let)
            // A private property with its own value is the type's own state, not the caller's to set.
            let isPrivate = variable.modifiers.contains { [.keyword(.private), .keyword(.fileprivate)].contains($0.name.tokenKind) && $0.detail == nil }
            let bindings = Array(variable.bindings)
            for (index, binding) in bindings.enumerated() where isStored(binding) {
                guard let name = binding.pattern.as(IdentifierPatternSyntax.self)?.identifier.trimmedDescription else {
                    throw DiagnosticsError(diagnostics: [Diagnostic(node: binding, message: Problem("@PublicInit reads one name per binding"))])
                }
                if (isLet || isPrivate) && binding.initializer != nil { continue }
                // Its own type, else its literal's; `var low, high: Double`: without either, the next written one's.
                let written = binding.typeAnnotation?.type ?? binding.initializer.flatMap { literalType(of: $0.value) }
                guard let type = written ?? (binding.initializer == nil ? bindings[index...].lazy.compactMap(\.typeAnnotation).first?.type : nil) else {
                    throw DiagnosticsError(diagnostics: [Diagnostic(node: binding, message: Problem("@PublicInit needs the type of `\(name)` written"))])
                }
                var defaultValue = binding.initializer?.value.trimmedDescription
                if defaultValue == nil, !isLet, type.is(OptionalTypeSyntax.self) || type.is(ImplicitlyUnwrappedOptionalTypeSyntax.self) {
                    if isPrivate { continue }  // starts nil, the type's own
                    defaultValue = "nil"
                }
                properties.append(StoredProperty(name: name, type: type.trimmedDescription, defaultValue: defaultValue, escaping: isFunction(type)))
            }
        }
        return properties
    }

    /// The type of a literal initial value (`= false`, `= 0`, `= 1.5`, `= "GET"`), as Swift infers it.
    static func literalType(of value: ExprSyntax) -> TypeSyntax? {
        switch value.kind {
        case .booleanLiteralExpr: "Bool"
        case .integerLiteralExpr: "Int"
        case .floatLiteralExpr: "Double"
        case .stringLiteralExpr: "String"
        default: nil
        }
    }

    /// A binding without accessors, or with observers only (`didSet`, `willSet`), holds storage.
    static func isStored(_ binding: PatternBindingSyntax) -> Bool {
        guard let accessors = binding.accessorBlock?.accessors else { return true }
        guard case .accessors(let list) = accessors else { return false }  // `{ expression }`: a getter
        return list.allSatisfy { [.keyword(.didSet), .keyword(.willSet)].contains($0.accessorSpecifier.tokenKind) }
    }

    static func isFunction(_ type: TypeSyntax) -> Bool {
        if type.is(FunctionTypeSyntax.self) { return true }
        if let attributed = type.as(AttributedTypeSyntax.self) { return isFunction(attributed.baseType) }
        return false
    }

    struct Problem: DiagnosticMessage {
        let message: String
        init(_ message: String) { self.message = message }
        var diagnosticID: MessageID { MessageID(domain: "PublicInit", id: "problem") }
        var severity: DiagnosticSeverity { .error }
    }
}

@main
struct MemberwisePlugin: CompilerPlugin {
    let providingMacros: [Macro.Type] = [PublicInitMacro.self]
}
