# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_owl_global_optspecs
    string join \n a/account= c/config= json q/quiet v/verbose color= h/help V/version
end

function __fish_owl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_owl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_owl_using_subcommand
    set -l cmd (__fish_owl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c owl -n "__fish_owl_needs_command" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_needs_command" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_needs_command" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_needs_command" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_needs_command" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_needs_command" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_needs_command" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_needs_command" -f -a "list" -d 'List mailboxes with their counts, or the newest messages of one'
complete -c owl -n "__fish_owl_needs_command" -f -a "fetch" -d 'Back mailboxes up into a Maildir or mbox store, incrementally; or, given MAILBOX UID, print one message'
complete -c owl -n "__fish_owl_needs_command" -f -a "send" -d 'Send mail: composed from flags, or whole messages (--raw, and the sendmail flags git and cron pass)'
complete -c owl -n "__fish_owl_needs_command" -f -a "search" -d 'Find messages with one query language, on the server (in parallel over mailboxes) or offline in a backup (--local)'
complete -c owl -n "__fish_owl_needs_command" -f -a "idle" -d 'Watch mailboxes and report each new, expunged or re-flagged message as it happens (one JSON object per line with --json)'
complete -c owl -n "__fish_owl_needs_command" -f -a "check" -d 'Connect to each configured server and report TLS, certificate, capabilities, compression and whether login works'
complete -c owl -n "__fish_owl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c owl -n "__fish_owl_needs_command" -f -a "schema" -d 'Print the JSON Schema of a command\'s --json output, or the list of schemas'
complete -c owl -n "__fish_owl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c owl -n "__fish_owl_using_subcommand list" -s n -l limit -d 'Messages per page, 0 for all (default: 50 on a terminal; every message with --json or when the output is not a terminal)' -r
complete -c owl -n "__fish_owl_using_subcommand list" -s p -l page -d 'Page to show, 1 being the newest messages' -r
complete -c owl -n "__fish_owl_using_subcommand list" -l sort -d 'Order of a mailbox\'s messages: date and arrival newest first; from, subject and size ascending' -r -f -a "date\t'The Date header: when it was sent'
arrival\t'When it reached the mailbox'
from\t'The sender\'s address'
subject\t'The subject, without Re: and Fwd:'
size\t'The size'"
complete -c owl -n "__fish_owl_using_subcommand list" -l protocol -d 'Which server to list when the account has both (default: IMAP)' -r -f -a "imap\t'IMAP'
pop3\t'POP3'"
complete -c owl -n "__fish_owl_using_subcommand list" -l local -d 'List a backup written by owl fetch (`maildir:PATH`, `mbox:PATH` or a path) instead of the server: its mailboxes, or one\'s messages' -r
complete -c owl -n "__fish_owl_using_subcommand list" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand list" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand list" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand list" -s u -l unseen -d 'Only messages not yet seen'
complete -c owl -n "__fish_owl_using_subcommand list" -s r -l reverse -d 'The other way round (oldest, or largest, first)'
complete -c owl -n "__fish_owl_using_subcommand list" -l no-pager -d 'Do not page a terminal\'s table through $PAGER'
complete -c owl -n "__fish_owl_using_subcommand list" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand list" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand list" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand list" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand fetch" -l into -d 'Store to back up into: maildir:PATH or mbox:PATH (default: into in the account\'s [fetch] section)' -r
complete -c owl -n "__fish_owl_using_subcommand fetch" -l exclude -d 'Leave out mailboxes matching this pattern (* and ? wildcards); repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand fetch" -l since -d 'Only messages that arrived on or after DATE (YYYY-MM-DD, 7d, 2w, 3m, 1y, today, yesterday)' -r
complete -c owl -n "__fish_owl_using_subcommand fetch" -l max-size -d 'Only messages up to SIZE (e.g. 10M, 500k)' -r
complete -c owl -n "__fish_owl_using_subcommand fetch" -l limit -d 'At most N new messages per mailbox, oldest first' -r
complete -c owl -n "__fish_owl_using_subcommand fetch" -l save-attachments -d 'With MAILBOX UID: write its attachments into DIR under safe names' -r -F
complete -c owl -n "__fish_owl_using_subcommand fetch" -l protocol -d 'Which server to fetch from when the account has both (default: IMAP)' -r -f -a "imap\t'IMAP'
pop3\t'POP3'"
complete -c owl -n "__fish_owl_using_subcommand fetch" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand fetch" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand fetch" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand fetch" -l dry-run -d 'Show what would be fetched; download nothing'
complete -c owl -n "__fish_owl_using_subcommand fetch" -l wait -d 'If another run holds the store, wait for it instead of exiting 75'
complete -c owl -n "__fish_owl_using_subcommand fetch" -l raw -d 'With MAILBOX UID: print the message\'s exact bytes'
complete -c owl -n "__fish_owl_using_subcommand fetch" -l no-pager -d 'With MAILBOX UID: do not use $PAGER'
complete -c owl -n "__fish_owl_using_subcommand fetch" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand fetch" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand fetch" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand fetch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand fetch" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand send" -l to -d 'Recipient, or a comma-separated list; repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l cc -d 'Copy recipient; repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l bcc -d 'Blind copy recipient (in the envelope, never in the header); repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s s -l subject -d 'Subject (UTF-8 is fine)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l body -d 'The body text (else --body-file, else stdin)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l body-file -d 'Read the body text from FILE' -r -F
complete -c owl -n "__fish_owl_using_subcommand send" -l html -d 'Add FILE as an HTML alternative to the text' -r -F
complete -c owl -n "__fish_owl_using_subcommand send" -s A -l attach -d 'Attach FILE (content type from its name); repeatable' -r -F
complete -c owl -n "__fish_owl_using_subcommand send" -s H -l header -d 'Add a header, "Name: value"; repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l reply-to -d 'Where replies should go' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l in-reply-to -d 'The Message-ID this message answers (sets In-Reply-To and References)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s f -d 'Envelope sender (default: the account\'s email)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s F -d 'Full name for a From header owl adds when the message has none' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s o -d 'Accepted for sendmail compatibility (-oi, -oem) and ignored' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s B -d 'Accepted for sendmail compatibility (-B8BITMIME) and ignored' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l drop -d 'Set outbox entry ID aside (moved to dropped/, never sent)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l retarget -d 'Hand outbox entry ID to this account, SMTP host and user (after moving to another provider)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand send" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand send" -l raw -d 'Send whole RFC 5322 messages as given (Date and Message-ID added only when missing)'
complete -c owl -n "__fish_owl_using_subcommand send" -s t -d 'With --raw: take recipients from To, Cc and Bcc (Bcc is removed before sending)'
complete -c owl -n "__fish_owl_using_subcommand send" -s i -d 'Accepted for sendmail compatibility; lines with a single dot are never special here'
complete -c owl -n "__fish_owl_using_subcommand send" -l flush -d 'Send what waits in the outbox, nothing new'
complete -c owl -n "__fish_owl_using_subcommand send" -l queue -d 'List what waits in the outbox'
complete -c owl -n "__fish_owl_using_subcommand send" -l no-save -d 'Do not save a copy in the Sent mailbox'
complete -c owl -n "__fish_owl_using_subcommand send" -l dry-run -d 'Print the message that would be sent; send nothing'
complete -c owl -n "__fish_owl_using_subcommand send" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand send" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand send" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand send" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand send" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand search" -s m -l mailbox -d 'Mailbox to search (default: INBOX; with --local: all); repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand search" -s n -l limit -d 'At most N results, newest first, 0 for all (default: 50 on a terminal; every match with --json or when the output is not a terminal)' -r
complete -c owl -n "__fish_owl_using_subcommand search" -l imap -d 'Raw IMAP SEARCH criteria, ANDed with the query (for what the language lacks), e.g. --imap \'KEYWORD $Forwarded\'' -r
complete -c owl -n "__fish_owl_using_subcommand search" -l local -d 'Search a local store written by owl fetch instead of the server: maildir:PATH, mbox:PATH or PATH' -r
complete -c owl -n "__fish_owl_using_subcommand search" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand search" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand search" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand search" -l all -d 'Search every mailbox'
complete -c owl -n "__fish_owl_using_subcommand search" -l count -d 'Only count matches per mailbox'
complete -c owl -n "__fish_owl_using_subcommand search" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand search" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand search" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand search" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand idle" -l exec -d 'Run COMMAND for each event (no shell; quotes group words). It gets the event as JSON on stdin and OWL_EVENT, OWL_ACCOUNT, OWL_MAILBOX, OWL_UID, OWL_FROM, OWL_SUBJECT' -r
complete -c owl -n "__fish_owl_using_subcommand idle" -l timeout -d 'Exit 0 after DURATION (e.g. 30s, 10m, 1h)' -r
complete -c owl -n "__fish_owl_using_subcommand idle" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand idle" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand idle" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand idle" -l all -d 'Watch every mailbox'
complete -c owl -n "__fish_owl_using_subcommand idle" -l shell -d 'Run --exec through sh -c'
complete -c owl -n "__fish_owl_using_subcommand idle" -l fetch -d 'Back each new message up into the account\'s store (owl fetch)'
complete -c owl -n "__fish_owl_using_subcommand idle" -l once -d 'Exit 0 after the first new message'
complete -c owl -n "__fish_owl_using_subcommand idle" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand idle" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand idle" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand idle" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand idle" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand check" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand check" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand check" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand check" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand check" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand check" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand completions" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand completions" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand completions" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand completions" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand completions" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand completions" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand schema" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand schema" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand schema" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand schema" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand schema" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand schema" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand schema" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand schema" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "list" -d 'List mailboxes with their counts, or the newest messages of one'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "fetch" -d 'Back mailboxes up into a Maildir or mbox store, incrementally; or, given MAILBOX UID, print one message'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "send" -d 'Send mail: composed from flags, or whole messages (--raw, and the sendmail flags git and cron pass)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "search" -d 'Find messages with one query language, on the server (in parallel over mailboxes) or offline in a backup (--local)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "idle" -d 'Watch mailboxes and report each new, expunged or re-flagged message as it happens (one JSON object per line with --json)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "check" -d 'Connect to each configured server and report TLS, certificate, capabilities, compression and whether login works'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "completions" -d 'Print a shell completion script'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "schema" -d 'Print the JSON Schema of a command\'s --json output, or the list of schemas'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch send search idle check completions schema help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
