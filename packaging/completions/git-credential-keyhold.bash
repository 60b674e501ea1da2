# bash completion for git-credential-keyhold(1): its one argument, the operation.
# Installed as bash-completion's completions/git-credential-keyhold.
_git_credential_keyhold() {
    COMPREPLY=()
    ((COMP_CWORD == 1)) || return 0
    mapfile -t COMPREPLY < <(compgen -W "get store erase" -- "${COMP_WORDS[1]}")
}
complete -F _git_credential_keyhold git-credential-keyhold
