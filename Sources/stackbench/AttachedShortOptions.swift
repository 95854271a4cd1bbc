/// wrk's and curl's attached short form, `-c64 -t2 -d10s -HHost:x`, which ArgumentParser refuses: split into
/// `-c 64` before parsing. Only a known value-taking short option is split, never `-c=64` (ArgumentParser reads
/// that), never after `--`, and never an argument that is the value of the option before it (`--json -c4` is
/// passed on unchanged).
enum AttachedShortOptions {
    /// `load`'s short options that take a value, and its long ones (whose next argument is then a value).
    static let load = (short: Set("ctdnRHm"), long: Set(["--connections", "--threads", "--duration", "--requests",
        "--rate", "--header", "--method", "--body", "--body-file", "--mix", "--unix-socket", "--timeout", "--warmup",
        "--cpus", "--json", "--cacert"]))

    /// The arguments with `stackbench load`'s attached short options split; other subcommands pass unchanged.
    static func split(_ arguments: [String]) -> [String] {
        guard let first = arguments.first, first == "load" else { return arguments }
        var result = [first]
        var nextIsValue = false
        for (index, argument) in arguments.enumerated().dropFirst() {
            if argument == "--" { return result + arguments[index...] }
            if nextIsValue {
                result.append(argument)
                nextIsValue = false
                continue
            }
            let characters = Array(argument)
            if characters.count > 2, characters[0] == "-", load.short.contains(characters[1]), characters[2] != "=" {
                result += ["-" + String(characters[1]), String(characters[2...])]
            } else {
                result.append(argument)
                nextIsValue = load.long.contains(argument)
                    || (characters.count == 2 && characters[0] == "-" && load.short.contains(characters[1]))
            }
        }
        return result
    }
}
