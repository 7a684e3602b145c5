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
complete -c owl -n "__fish_owl_needs_command" -f -a "fetch" -d 'Back mailboxes up into a Maildir or mbox store, incrementally; or, given MAILBOX UID, print one message for scripts (people: owl read)'
complete -c owl -n "__fish_owl_needs_command" -f -a "read" -d 'Read one message: headers, text, attachments, verdicts; it is then marked seen on the server (not with --peek)'
complete -c owl -n "__fish_owl_needs_command" -f -a "send" -d 'Send mail: composed from flags, or whole messages (--raw, and the sendmail flags git and cron pass)'
complete -c owl -n "__fish_owl_needs_command" -f -a "reply" -d 'Answer a message: Re: subject, recipients by the usual rules, its text quoted, threaded with In-Reply-To and References; the original is flagged \\Answered once the reply is delivered'
complete -c owl -n "__fish_owl_needs_command" -f -a "forward" -d 'Forward a message: inline (its headers and text, its attachments attached again) or --attach (the exact message as an attachment)'
complete -c owl -n "__fish_owl_needs_command" -f -a "search" -d 'Find messages with one query language, on the server (in parallel over mailboxes) or offline in a backup (--local)'
complete -c owl -n "__fish_owl_needs_command" -f -a "idle" -d 'Watch mailboxes and report each new, expunged or re-flagged message as it happens (one JSON object per line with --json)'
complete -c owl -n "__fish_owl_needs_command" -f -a "check" -d 'Connect to each configured server and report TLS, certificate, capabilities, compression and whether login works'
complete -c owl -n "__fish_owl_needs_command" -f -a "flag" -d 'Add or remove flags (seen, flagged, keywords...) on messages'
complete -c owl -n "__fish_owl_needs_command" -f -a "move" -d 'Move messages to another mailbox'
complete -c owl -n "__fish_owl_needs_command" -f -a "copy" -d 'Copy messages to another mailbox'
complete -c owl -n "__fish_owl_needs_command" -f -a "delete" -d 'Move messages to Trash; with --expunge, or in Trash, remove them for good (only those UIDs)'
complete -c owl -n "__fish_owl_needs_command" -f -a "mailbox" -d 'Create, rename or delete a mailbox'
complete -c owl -n "__fish_owl_needs_command" -f -a "init" -d 'Set up an account: find its servers and how they do TLS, check that login works, and add it to the config file'
complete -c owl -n "__fish_owl_needs_command" -f -a "session" -d 'Keep connections warm between runs: a holder per account lends logged-in IMAP connections to later owl runs over a private local socket, as ssh\'s ControlPersist does'
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
complete -c owl -n "__fish_owl_using_subcommand read" -l save-attachments -d 'Write the attachments into DIR under safe names' -r -F
complete -c owl -n "__fish_owl_using_subcommand read" -l local -d 'Read a backup written by owl fetch (maildir:PATH, mbox:PATH or a path) instead of the server; it is never changed' -r
complete -c owl -n "__fish_owl_using_subcommand read" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand read" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand read" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand read" -l peek -d 'Leave the message unseen on the server (the mailbox is opened read-only)'
complete -c owl -n "__fish_owl_using_subcommand read" -l raw -d 'Print the message\'s exact bytes'
complete -c owl -n "__fish_owl_using_subcommand read" -l html -d 'Show the HTML part made readable even where the message has a text/plain one (the plain text when there is no HTML)'
complete -c owl -n "__fish_owl_using_subcommand read" -l raw-html -d 'Print the HTML part\'s source (decoded from its charset and transfer encoding)'
complete -c owl -n "__fish_owl_using_subcommand read" -l no-pager -d 'Do not use $PAGER'
complete -c owl -n "__fish_owl_using_subcommand read" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand read" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand read" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand read" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand read" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand send" -l to -d 'Recipient, or a comma-separated list; repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l cc -d 'Copy recipient; repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l bcc -d 'Blind copy recipient (in the envelope, never in the header); repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand send" -s s -l subject -d 'Subject (UTF-8 is fine)' -r
complete -c owl -n "__fish_owl_using_subcommand send" -l body -d 'The body text (else --body-file, else stdin; on a terminal with none of them, the editor opens)' -r
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
complete -c owl -n "__fish_owl_using_subcommand send" -l edit -d 'Write the message in $VISUAL or $EDITOR (else vi), on a draft prefilled from the other flags; saving it unchanged or empty aborts (exit 64), and a draft that cannot be sent is kept and its path printed'
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
complete -c owl -n "__fish_owl_using_subcommand reply" -l body -d 'Your text, above the quote (else stdin when it is not a terminal; on a terminal the editor opens)' -r
complete -c owl -n "__fish_owl_using_subcommand reply" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand reply" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand reply" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand reply" -l all -d 'Reply to everyone it went to (Mail-Followup-To if set, else From or Reply-To plus To and Cc), leaving out your own addresses (email and aliases)'
complete -c owl -n "__fish_owl_using_subcommand reply" -l edit -d 'Open $VISUAL or $EDITOR on the draft even with --body or off a terminal'
complete -c owl -n "__fish_owl_using_subcommand reply" -l no-save -d 'Do not save a copy in the Sent mailbox'
complete -c owl -n "__fish_owl_using_subcommand reply" -l dry-run -d 'Print the message that would be sent; send nothing'
complete -c owl -n "__fish_owl_using_subcommand reply" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand reply" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand reply" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand reply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand reply" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand forward" -l to -d 'Recipient, or a comma-separated list; repeatable (with the editor, the draft\'s To may name them instead)' -r
complete -c owl -n "__fish_owl_using_subcommand forward" -l cc -d 'Copy recipient; repeatable' -r
complete -c owl -n "__fish_owl_using_subcommand forward" -l body -d 'Your text, above the forwarded message (else stdin when it is not a terminal; on a terminal the editor opens)' -r
complete -c owl -n "__fish_owl_using_subcommand forward" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand forward" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand forward" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand forward" -l attach -d 'Forward it as one message/rfc822 attachment, its bytes exactly as on the server (default: inline, its attachments attached again)'
complete -c owl -n "__fish_owl_using_subcommand forward" -l edit -d 'Open $VISUAL or $EDITOR on the draft even with --body or off a terminal'
complete -c owl -n "__fish_owl_using_subcommand forward" -l no-save -d 'Do not save a copy in the Sent mailbox'
complete -c owl -n "__fish_owl_using_subcommand forward" -l dry-run -d 'Print the message that would be sent; send nothing'
complete -c owl -n "__fish_owl_using_subcommand forward" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand forward" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand forward" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand forward" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand forward" -s V -l version -d 'Print version'
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
complete -c owl -n "__fish_owl_using_subcommand flag" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand flag" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand flag" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand flag" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand flag" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand flag" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand flag" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand flag" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand move" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand move" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand move" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand move" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand move" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand move" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand move" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand move" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand copy" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand copy" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand copy" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand copy" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand copy" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand copy" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand copy" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand delete" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand delete" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand delete" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand delete" -l expunge -d 'Remove them for good instead of moving them to Trash'
complete -c owl -n "__fish_owl_using_subcommand delete" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand delete" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand delete" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand delete" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -f -a "create" -d 'Create a mailbox'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -f -a "rename" -d 'Rename a mailbox'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -f -a "delete" -d 'Delete a mailbox; one that holds messages only with --force'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and not __fish_seen_subcommand_from create rename delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from rename" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -l force -d 'Delete it even though it holds messages (they are gone with it)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a mailbox'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from help" -f -a "rename" -d 'Rename a mailbox'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a mailbox; one that holds messages only with --force'
complete -c owl -n "__fish_owl_using_subcommand mailbox; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c owl -n "__fish_owl_using_subcommand init" -l email -d 'Your email address' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l name -d 'Name of the new account in the config (default: the first part of the email\'s domain)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l user -d 'Login name (default: the email address)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l imap-host -d 'IMAP server (default: tried in turn: imap.DOMAIN, mail.DOMAIN, DOMAIN)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l imap-port -d 'IMAP port (default: 993 with implicit TLS, else 143 with STARTTLS)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l smtp-host -d 'SMTP submission server (default: tried in turn: smtp.DOMAIN, mail.DOMAIN, DOMAIN)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l smtp-port -d 'SMTP port (default: 465 with implicit TLS, else 587 with STARTTLS)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l tls -d 'How both servers are secured (default: found by trying the port)' -r -f -a "implicit\t'TLS from the first byte (ports 993, 465)'
starttls\t'Plaintext, then STARTTLS, required (ports 143, 587)'"
complete -c owl -n "__fish_owl_using_subcommand init" -l password-command -d 'Get the password by running CMD (sh -c), e.g. "pass show mail/me"' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l password-env -d 'Get the password from the environment variable VAR' -r
complete -c owl -n "__fish_owl_using_subcommand init" -l ca-file -d 'Trust the CA certificates in PEM instead of the system\'s' -r -F
complete -c owl -n "__fish_owl_using_subcommand init" -l fingerprint -d 'Trust exactly the server certificate with this SHA-256 fingerprint (as owl check prints it)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand init" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand init" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand init" -s y -l yes -d 'Ask nothing: every answer comes from a flag or its default, and a missing one is an error (exit 64) naming its flag'
complete -c owl -n "__fish_owl_using_subcommand init" -l no-check -d 'Write without checking that login works'
complete -c owl -n "__fish_owl_using_subcommand init" -l force -d 'Replace an account of the same name'
complete -c owl -n "__fish_owl_using_subcommand init" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand init" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand init" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand init" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -f -a "start" -d 'Start a holder for the account (-a, else the default one): it logs in once and keeps the connections warm for later runs'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -f -a "stop" -d 'Stop the holders: every one, or with -a only the account\'s'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -f -a "status" -d 'List the running holders: account, connections, their state and age'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -f -a "serve" -d 'Be the holder (what start runs, detached; not for people)'
complete -c owl -n "__fish_owl_using_subcommand session; and not __fish_seen_subcommand_from start stop status serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -l persist -d 'Exit after this long without clients, e.g. 10m or 1h [default: the config\'s persist, else 10m]' -r
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -l persist -d 'Exit after this long without clients, e.g. 10m or 1h [default: the config\'s persist, else 10m]' -r
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -s a -l account -d 'Account to use (default: the one marked default = true)' -r
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -s c -l config -d 'Config file [default: ~/.config/owl/config.toml]' -r -F
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -l color -d 'When to use colors (NO_COLOR is honoured in auto)' -r -f -a "auto\t'Colors on a terminal, unless NO_COLOR is set'
always\t'Always'
never\t'Never'"
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -l json -d 'Print JSON instead of tables (one object per line for streams)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Print nothing but errors'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Say more: -v connections and timings, -vv the protocol (secrets redacted)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "start" -d 'Start a holder for the account (-a, else the default one): it logs in once and keeps the connections warm for later runs'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the holders: every one, or with -a only the account\'s'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "status" -d 'List the running holders: account, connections, their state and age'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Be the holder (what start runs, detached; not for people)'
complete -c owl -n "__fish_owl_using_subcommand session; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "list" -d 'List mailboxes with their counts, or the newest messages of one'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "fetch" -d 'Back mailboxes up into a Maildir or mbox store, incrementally; or, given MAILBOX UID, print one message for scripts (people: owl read)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "read" -d 'Read one message: headers, text, attachments, verdicts; it is then marked seen on the server (not with --peek)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "send" -d 'Send mail: composed from flags, or whole messages (--raw, and the sendmail flags git and cron pass)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "reply" -d 'Answer a message: Re: subject, recipients by the usual rules, its text quoted, threaded with In-Reply-To and References; the original is flagged \\Answered once the reply is delivered'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "forward" -d 'Forward a message: inline (its headers and text, its attachments attached again) or --attach (the exact message as an attachment)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "search" -d 'Find messages with one query language, on the server (in parallel over mailboxes) or offline in a backup (--local)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "idle" -d 'Watch mailboxes and report each new, expunged or re-flagged message as it happens (one JSON object per line with --json)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "check" -d 'Connect to each configured server and report TLS, certificate, capabilities, compression and whether login works'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "flag" -d 'Add or remove flags (seen, flagged, keywords...) on messages'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "move" -d 'Move messages to another mailbox'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "copy" -d 'Copy messages to another mailbox'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "delete" -d 'Move messages to Trash; with --expunge, or in Trash, remove them for good (only those UIDs)'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "mailbox" -d 'Create, rename or delete a mailbox'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "init" -d 'Set up an account: find its servers and how they do TLS, check that login works, and add it to the config file'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "session" -d 'Keep connections warm between runs: a holder per account lends logged-in IMAP connections to later owl runs over a private local socket, as ssh\'s ControlPersist does'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "completions" -d 'Print a shell completion script'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "schema" -d 'Print the JSON Schema of a command\'s --json output, or the list of schemas'
complete -c owl -n "__fish_owl_using_subcommand help; and not __fish_seen_subcommand_from list fetch read send reply forward search idle check flag move copy delete mailbox init session completions schema help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c owl -n "__fish_owl_using_subcommand help; and __fish_seen_subcommand_from mailbox" -f -a "create" -d 'Create a mailbox'
complete -c owl -n "__fish_owl_using_subcommand help; and __fish_seen_subcommand_from mailbox" -f -a "rename" -d 'Rename a mailbox'
complete -c owl -n "__fish_owl_using_subcommand help; and __fish_seen_subcommand_from mailbox" -f -a "delete" -d 'Delete a mailbox; one that holds messages only with --force'
complete -c owl -n "__fish_owl_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "start" -d 'Start a holder for the account (-a, else the default one): it logs in once and keeps the connections warm for later runs'
complete -c owl -n "__fish_owl_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "stop" -d 'Stop the holders: every one, or with -a only the account\'s'
complete -c owl -n "__fish_owl_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "status" -d 'List the running holders: account, connections, their state and age'
complete -c owl -n "__fish_owl_using_subcommand help; and __fish_seen_subcommand_from session" -f -a "serve" -d 'Be the holder (what start runs, detached; not for people)'
