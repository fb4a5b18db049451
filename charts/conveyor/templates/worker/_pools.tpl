{{/*
Every worker pool, name -> settings merged over workerDefaults: each `workers` entry, then one
pool per configured queue that no entry consumes, named after the queue ("_" read as "-"). An
entry of that name without `queues` is that pool with its own settings. Refuses a pool on a
queue the release does not configure, and two pools of one name.
*/}}
{{- define "conveyor.pools" -}}
{{- $queues := .Values.queues | default dict }}
{{- $byPool := dict }}
{{- range $queue, $_ := $queues }}
{{- $name := replace "_" "-" $queue }}
{{- if hasKey $byPool $name }}
{{- fail (printf "queues %s and %s would both get pool %q; rename one" (get $byPool $name) $queue $name) }}
{{- end }}
{{- $_ := set $byPool $name $queue }}
{{- end }}
{{- $pools := dict }}
{{- $claimed := dict }}
{{- range $name, $entry := .Values.workers }}
{{- $pool := include "conveyor.worker" (dict "root" $ "entry" $entry) | fromYaml }}
{{- if and (not $pool.queues) (hasKey $byPool $name) }}
{{- $_ := set $pool "queues" (list (get $byPool $name)) }}
{{- end }}
{{- $_ := set $pools $name $pool }}
{{- range $pool.queues }}
{{- if and (ne (toString $pool.enabled) "false") (not (hasKey $queues .)) }}
{{- fail (printf "workers.%s consumes queue %q, which is not in queues" $name .) }}
{{- end }}
{{- $_ := set $claimed . $name }}
{{- end }}
{{- end }}
{{- range $name, $queue := $byPool }}
{{- if not (hasKey $claimed $queue) }}
{{- if hasKey $pools $name }}
{{- fail (printf "workers.%s does not consume queue %q, whose own pool it would be; add the queue to its queues or list the queue in another pool" $name $queue) }}
{{- end }}
{{- $entry := dict "queues" (list $queue) }}
{{- $_ := set $pools $name (include "conveyor.worker" (dict "root" $ "entry" $entry) | fromYaml) }}
{{- end }}
{{- end }}
{{- toYaml $pools }}
{{- end }}
