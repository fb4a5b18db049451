{{/*
Every worker pool, name -> settings merged over workerDefaults: each `workers` entry, then one
pool per configured queue that no entry consumes (named after the queue, "_" read as "-").
Refuses a pool on a queue the release does not configure, and two pools of one name.
*/}}
{{- define "conveyor.pools" -}}
{{- $pools := dict }}
{{- $claimed := dict }}
{{- $queues := .Values.queues | default dict }}
{{- range $name, $entry := .Values.workers }}
{{- $pool := include "conveyor.worker" (dict "root" $ "entry" $entry) | fromYaml }}
{{- $_ := set $pools $name $pool }}
{{- range $pool.queues }}
{{- if and (ne (toString $pool.enabled) "false") (not (hasKey $queues .)) }}
{{- fail (printf "workers.%s consumes queue %q, which is not in queues" $name .) }}
{{- end }}
{{- $_ := set $claimed . $name }}
{{- end }}
{{- end }}
{{- range $queue, $_ := $queues }}
{{- if not (hasKey $claimed $queue) }}
{{- $name := replace "_" "-" $queue }}
{{- if hasKey $pools $name }}
{{- fail (printf "queues.%s would get pool %q, which another queue or a workers entry already names; list the queue in a workers entry's queues" $queue $name) }}
{{- end }}
{{- $entry := dict "queues" (list $queue) }}
{{- $_ := set $pools $name (include "conveyor.worker" (dict "root" $ "entry" $entry) | fromYaml) }}
{{- end }}
{{- end }}
{{- toYaml $pools }}
{{- end }}
