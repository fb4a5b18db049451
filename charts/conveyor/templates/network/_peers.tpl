{{/* Egress rules every Conveyor process needs: DNS, PostgreSQL, Redis. */}}
{{- define "conveyor.egressCore" -}}
- ports:
    - {port: 53, protocol: UDP}
    - {port: 53, protocol: TCP}
- ports:
    - {port: {{ .Values.networkPolicy.database.port }}, protocol: TCP}
  {{- with .Values.networkPolicy.database.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
- ports:
    - {port: {{ .Values.networkPolicy.redis.port }}, protocol: TCP}
  {{- with .Values.networkPolicy.redis.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- if .Values.tracing.endpoint }}
- ports:
    - {port: {{ .Values.networkPolicy.tracing.port }}, protocol: TCP}
  {{- with .Values.networkPolicy.tracing.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}
