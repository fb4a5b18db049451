{{/* The queues file every process reads (CONVEYOR_QUEUES_FILE): the queues values key. */}}
{{- define "conveyor.queuesFile" -}}
{{- dict "queues" (.Values.queues | default dict) | toYaml }}
{{- end }}

{{- define "conveyor.queuesConfigMapName" -}}
{{- printf "%s-queues" (include "conveyor.fullname" .) }}
{{- end }}

{{- define "conveyor.queuesDir" -}}
/etc/conveyor/queues
{{- end }}

{{- define "conveyor.queuesEnv" -}}
- name: CONVEYOR_QUEUES_FILE
  value: {{ printf "%s/queues.yaml" (include "conveyor.queuesDir" .) | quote }}
{{- end }}

{{- define "conveyor.queuesVolume" -}}
- name: queues
  configMap:
    name: {{ include "conveyor.queuesConfigMapName" . }}
{{- end }}

{{- define "conveyor.queuesMount" -}}
- name: queues
  mountPath: {{ include "conveyor.queuesDir" . }}
  readOnly: true
{{- end }}
