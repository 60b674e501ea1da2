# bash completion for docker-credential-keyhold(1): its one argument, the verb.
# Installed as bash-completion's completions/docker-credential-keyhold.
_docker_credential_keyhold() {
    COMPREPLY=()
    ((COMP_CWORD == 1)) || return 0
    mapfile -t COMPREPLY < <(compgen -W "store get erase list version" -- "${COMP_WORDS[1]}")
}
complete -F _docker_credential_keyhold docker-credential-keyhold
