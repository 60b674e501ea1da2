# fish completion for git-credential-keyhold(1): its one argument, the operation.
complete -c git-credential-keyhold -f
complete -c git-credential-keyhold -n '__fish_is_first_arg' -a get -d 'Answer a credential git asks for'
complete -c git-credential-keyhold -n '__fish_is_first_arg' -a store -d 'Keep a credential that worked'
complete -c git-credential-keyhold -n '__fish_is_first_arg' -a erase -d 'Forget a credential that was refused'
