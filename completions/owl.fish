# fish completion for owl (from `owl completions fish`). Each Tab asks owl
# itself, so account and mailbox names are this machine's.
complete -c owl -f -a '(OWL_COMPLETE=fish owl -- (commandline -opc) (commandline -ct))'
