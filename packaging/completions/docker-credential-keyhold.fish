# fish completion for docker-credential-keyhold(1): its one argument, the verb.
complete -c docker-credential-keyhold -f
complete -c docker-credential-keyhold -n '__fish_is_first_arg' -a store -d 'Store the credentials read from stdin'
complete -c docker-credential-keyhold -n '__fish_is_first_arg' -a get -d 'Print the credentials of the server URL on stdin'
complete -c docker-credential-keyhold -n '__fish_is_first_arg' -a erase -d 'Erase the credentials of the server URL on stdin'
complete -c docker-credential-keyhold -n '__fish_is_first_arg' -a list -d 'List server URLs and usernames'
complete -c docker-credential-keyhold -n '__fish_is_first_arg' -a version -d 'Print the version'
