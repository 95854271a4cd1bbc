/// How `@PublicInit` labels the initialiser's parameters.
public enum PublicInitLabels: Sendable {
    /// `init(name: Type, ...)`, as Swift's own memberwise initialiser.
    case named
    /// `init(_ name: Type, ...)`.
    case unlabeled
    /// `init(_ name: Type, other: Type, ...)`: the first is what the value is (`Styled("text", style: "bad")`).
    case firstUnlabeled
}

/// Adds the memberwise initialiser Swift synthesises for a struct, made public: one parameter per stored property
/// in declaration order, a `var`'s initial value (or nil, for an optional) as its default; a `let` with a value is
/// left out. For the small stored types other modules build (Sources/MemberwiseMacros).
@attached(member, names: named(init))
public macro PublicInit(_ labels: PublicInitLabels = .named) = #externalMacro(module: "MemberwiseMacros", type: "PublicInitMacro")
