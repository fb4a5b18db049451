{{/*
Relabelings of every Conveyor scrape target, api and workers alike. One job name for all of
them (metrics.jobName) is what the celery-exporter community alerts and dashboards select, and
what lets a dashboard's $job, read from the workers' celery_worker_up, also find the queue
gauges the api serves; the component label keeps the two kinds of target apart.
*/}}
{{- define "conveyor.scrapeRelabelings" -}}
- action: replace
  sourceLabels: [__meta_kubernetes_pod_label_app_kubernetes_io_component]
  targetLabel: component
{{- with .Values.metrics.jobName }}
- action: replace
  targetLabel: job
  replacement: {{ . | quote }}
{{- end }}
{{- end }}
