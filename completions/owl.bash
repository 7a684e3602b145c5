# bash completion for owl (from `owl completions bash`). Each Tab asks owl
# itself, so account and mailbox names are this machine's.
_owl() {
    local line
    COMPREPLY=()
    while IFS= read -r line; do
        COMPREPLY+=("$line")
    done < <(OWL_COMPLETE=bash _OWL_COMPLETE_INDEX="$COMP_CWORD" owl -- "${COMP_WORDS[@]}" 2>/dev/null)
    if [[ ${#COMPREPLY[@]} -eq 1 ]]; then
        if [[ ${COMPREPLY[0]} == */ ]]; then
            compopt -o nospace 2>/dev/null
        elif [[ ${COMPREPLY[0]} == *[[:space:]]* ]]; then
            printf -v 'COMPREPLY[0]' '%q' "${COMPREPLY[0]}"
        fi
    fi
    return 0
}
complete -F _owl owl
