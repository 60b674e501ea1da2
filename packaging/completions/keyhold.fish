# fish completion for keyhold(1). Installed in fish's vendor_completions.d.
#
# Source and secret names come from `keyhold source list` and `keyhold secret
# list`, which open the store: without a controlling terminal (setsid), so a
# passphrase store never asks mid-line, and under `timeout`, so a Secret
# Service that does not answer costs at most a second.

function __keyhold_store_names --argument-names what
    command -q setsid; and command -q timeout; or return 0
    set -l program (commandline -opc)[1]
    switch $what
        case sources
            setsid -w timeout 1 $program source list </dev/null 2>/dev/null | string split -f1 \t
        case secrets
            setsid -w timeout 1 $program secret list </dev/null 2>/dev/null | string split -f1 =
    end
end

# The words typed after the program, options and their values aside.
function __keyhold_path
    set -l words (commandline -opc)[2..-1]
    set -l path
    set -l skip 0
    for word in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $word
            case --backend --tpm2-pcrs --type --url --ca-file --git-host --max-age --if-older-than --timeout --secret --registry \
                --socket --allow --allow-uid --ttl
                set skip 1
            case '-*'
            case '*'
                set -a path $word
        end
    end
    printf '%s\n' $path
end

# True when those words are exactly $argv.
function __keyhold_path_is
    test "$(__keyhold_path)" = "$(printf '%s\n' $argv)"
end

# True when those words start with $argv (a command's positional arguments may follow).
function __keyhold_path_starts
    set -l path (__keyhold_path)
    set -l n (count $argv)
    test (count $path) -ge $n; or return 1
    test "$path[1..$n]" = "$argv"
end

set -l commands init status lock unlock doctor rekey configure import source sync secret exec agent
complete -c keyhold -f
complete -c keyhold -s h -l help -d 'Show help'
complete -c keyhold -n __fish_use_subcommand -l version -d 'Show the version'
complete -c keyhold -n __fish_use_subcommand -a init -d 'Create the encrypted store'
complete -c keyhold -n __fish_use_subcommand -a status -d 'Show the store, its protector and what it holds'
complete -c keyhold -n __fish_use_subcommand -a lock -d 'Drop the store key from the OS key cache'
complete -c keyhold -n __fish_use_subcommand -a unlock -d 'Unlock the keychain or ask the passphrase'
complete -c keyhold -n __fish_use_subcommand -a doctor -d 'Check that the clients get credentials from keyhold'
complete -c keyhold -n __fish_use_subcommand -a rekey -d 'Re-encrypt the store under a new key'
complete -c keyhold -n __fish_use_subcommand -a configure -d 'Point a client at keyhold'
complete -c keyhold -n __fish_use_subcommand -a import -d 'Move plaintext docker, podman and git credentials into the store'
complete -c keyhold -n __fish_use_subcommand -a source -d 'Manage the org sources'
complete -c keyhold -n __fish_use_subcommand -a sync -d 'Pull the org sources into the store'
complete -c keyhold -n __fish_use_subcommand -a secret -d 'Build secrets from the org'
complete -c keyhold -n __fish_use_subcommand -a exec -d 'Run a command with build secrets'
complete -c keyhold -n __fish_use_subcommand -a agent -d 'Serve allowed credentials on a Unix socket until a TTL'

# `keyhold init --help` and `keyhold source add --help` list these.
complete -c keyhold -n '__keyhold_path_is init; or __keyhold_path_is rekey' -l backend -x \
    -a 'secret-service\t"the desktop keyring (Secret Service)" passphrase\t"a passphrase (Argon2id)" tpm2\t"the machine\'s TPM 2.0"' -d 'Who protects the store key'
complete -c keyhold -n '__keyhold_path_is init; or __keyhold_path_is rekey' -l tpm2-pcrs -x \
    -d 'Bind a tpm2 key to these PCRs (e.g. 0,7)'
complete -c keyhold -n '__keyhold_path_is import' -l dry-run -d 'Show what would be imported, change nothing'

complete -c keyhold -n '__keyhold_path_is configure' -a git -d "Set git's credential.helper to keyhold"
complete -c keyhold -n '__keyhold_path_is configure' -a docker -d "Set credsStore (or credHelpers) in docker's config.json"
complete -c keyhold -n '__keyhold_path_is configure' -a containers -d 'Set credHelpers in the containers auth.json'
complete -c keyhold -n '__keyhold_path_is configure git' -l unconfigure -d 'Remove keyhold from credential.helper'
complete -c keyhold -n '__keyhold_path_is configure git' -l undo -d 'Remove keyhold from credential.helper'
complete -c keyhold -n '__keyhold_path_is configure docker; or __keyhold_path_is configure containers' -l registry -x -d 'A registry (repeatable)'
complete -c keyhold -n '__keyhold_path_is configure docker; or __keyhold_path_is configure containers' -l undo -d 'Remove what keyhold added, and only that'

complete -c keyhold -n '__keyhold_path_is source' -a add -d 'Add a source (its token on stdin)'
complete -c keyhold -n '__keyhold_path_is source' -a list -d 'List the sources and their last sync'
complete -c keyhold -n '__keyhold_path_is source' -a remove -d 'Remove a source and everything it synced'
complete -c keyhold -n '__keyhold_path_starts source add' -l type -x \
    -a 'ignite\t"the build-secrets API" gitpod\t"Gitpod SecretService"' -d 'The org API'
complete -c keyhold -n '__keyhold_path_starts source add' -l url -x -d "The API's base URL (https)"
complete -c keyhold -n '__keyhold_path_starts source add' -l ca-file -r -F -d 'PEM file of a private CA'
complete -c keyhold -n '__keyhold_path_starts source add' -l git-host -x -d 'A git host the org git credentials answer for'
complete -c keyhold -n '__keyhold_path_starts source add' -l max-age -x -d 'Stop serving after this long without a sync'
complete -c keyhold -n '__keyhold_path_is source remove' -a '(__keyhold_store_names sources)' -d Source

complete -c keyhold -n '__keyhold_path_is sync' -a '(__keyhold_store_names sources)' -d Source
complete -c keyhold -n '__keyhold_path_starts sync' -l if-older-than -x -d 'Skip sources synced more recently (e.g. 1h)'
complete -c keyhold -n '__keyhold_path_starts sync' -l timeout -x -d 'Give up on a source after this long (default 2m)'

complete -c keyhold -n '__keyhold_path_is secret' -a get -d "Print one build secret's value"
complete -c keyhold -n '__keyhold_path_is secret' -a list -d 'List the build secrets (values as ***)'
complete -c keyhold -n '__keyhold_path_is secret get' -a '(__keyhold_store_names secrets)' -d 'Build secret'

complete -c keyhold -n '__keyhold_path_is exec' -l secret -x -a '(__keyhold_store_names secrets)' -d 'A build secret to pass'
complete -c keyhold -n '__keyhold_path_is exec' -l all-secrets -d 'Pass every build secret'
complete -c keyhold -n '__keyhold_path_is exec' -a '(__fish_complete_command)'

complete -c keyhold -n '__keyhold_path_is agent' -l socket -r -F -d 'The Unix socket to create (owner-only)'
complete -c keyhold -n '__keyhold_path_is agent' -l allow -x -d 'A registry or git host it serves: HOST[:PORT][/PATH]'
complete -c keyhold -n '__keyhold_path_is agent' -l allow-uid -x -d 'Another uid it answers'
complete -c keyhold -n '__keyhold_path_is agent' -l ttl -x -d 'Stop after this long (default 2h, at most 24h)'
