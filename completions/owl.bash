# bash completion for owl (from `owl completions bash`). Each Tab asks owl
# itself, so account and mailbox names are this machine's.
_owl() {
    local -a words=()
    local line=${COMP_LINE:0:COMP_POINT} word rest i
    for (( i = 0; i <= COMP_CWORD; i++ )); do
        word=${COMP_WORDS[i]}
        rest=${line#"${line%%[![:space:]]*}"}
        if (( i > 0 )) && [[ ${#rest} -eq ${#line} ]]; then
            words[${#words[@]}-1]+=$word
        else
            words+=("$word")
        fi
        line=${rest#"$word"}
    done
    local current=${words[${#words[@]}-1]} piece=${COMP_WORDS[COMP_CWORD]}
    # Right after = or : readline completes the empty text behind it.
    [[ -n $piece && -z ${piece//[=:]/} ]] && piece=
    local glued=${current%"$piece"}
    COMPREPLY=()
    while IFS= read -r line; do
        COMPREPLY+=("${line#"$glued"}")
    done < <(OWL_COMPLETE=bash _OWL_COMPLETE_INDEX=$(( ${#words[@]} - 1 )) owl -- "${words[@]}" 2>/dev/null)
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
