{{/* Chart name. */}}
{{- define "conveyor.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart unless the release name already contains the chart name. */}}
{{- define "conveyor.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* name-version, for the helm.sh/chart label. */}}
{{- define "conveyor.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of a component. Call with (dict "root" $ "component" "api"). */}}
{{- define "conveyor.selectorLabels" -}}
app.kubernetes.io/name: {{ include "conveyor.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- with .pool }}
conveyor.dev/pool: {{ . }}
{{- end }}
{{- end }}

{{/* All labels of a component's objects: selector labels plus version and chart. */}}
{{- define "conveyor.labels" -}}
{{ include "conveyor.selectorLabels" . }}
app.kubernetes.io/part-of: conveyor
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "conveyor.chart" .root }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Image reference. Call with (dict "root" $ "image" .Values.api.image). */}}
{{- define "conveyor.image" -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- if .root.Values.image.registry }}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the URLs and keys. */}}
{{- define "conveyor.secretName" -}}
{{- if .Values.secrets.create }}
{{- printf "%s-dev" (include "conveyor.fullname" .) }}
{{- else }}
{{- required "secrets.existingSecret is required (or secrets.create for development)" .Values.secrets.existingSecret }}
{{- end }}
{{- end }}

{{- define "conveyor.configMapName" -}}
{{- printf "%s-config" (include "conveyor.fullname" .) }}
{{- end }}

{{- define "conveyor.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "conveyor.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The settings every process reads, as name: value lines (ConfigMap data, Job env). */}}
{{- define "conveyor.configData" -}}
CONVEYOR_ENV: {{ .Values.config.environment | quote }}
CONVEYOR_LOG_LEVEL: {{ .Values.config.logLevel | quote }}
CONVEYOR_LOG_FORMAT: {{ .Values.config.logFormat | quote }}
CONVEYOR_BOOTSTRAP_TENANT: {{ .Values.config.bootstrapTenant | quote }}
CONVEYOR_PROBE_DIR: "/tmp"
{{- with .Values.tracing.endpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
OTEL_TRACES_SAMPLER: "parentbased_traceidratio"
OTEL_TRACES_SAMPLER_ARG: {{ $.Values.tracing.sampleRatio | toString | quote }}
{{- end }}
{{- range $name, $value := .Values.config.extra }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Environment from the Secret: the connection URLs and the optional bootstrap key. */}}
{{- define "conveyor.secretEnv" -}}
{{- $secret := include "conveyor.secretName" . -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .Values.secrets.keys.databaseUrl }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .Values.secrets.keys.redisUrl }}
{{- end }}

{{- define "conveyor.bootstrapKeyEnv" -}}
- name: CONVEYOR_BOOTSTRAP_ADMIN_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "conveyor.secretName" . }}
      key: {{ .Values.secrets.keys.bootstrapAdminKey }}
      optional: true
{{- end }}

{{/* Checksums that roll pods when their configuration changes. */}}
{{- define "conveyor.checksums" -}}
checksum/config: {{ include "conveyor.configData" . | sha256sum }}
checksum/queues: {{ include "conveyor.queuesFile" . | sha256sum }}
{{- if .Values.secrets.create }}
checksum/secret: {{ toYaml .Values.secrets.dev | sha256sum }}
{{- end }}
{{- end }}

{{/* Pod-level security: Pod Security Standards "restricted". */}}
{{- define "conveyor.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "conveyor.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The writable /tmp every container gets (probe files, celery's and Python's scratch). */}}
{{- define "conveyor.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{- define "conveyor.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* Pod spec lines shared by every pod. */}}
{{- define "conveyor.podCommon" -}}
automountServiceAccountToken: false
securityContext:
  {{- include "conveyor.podSecurityContext" . | nindent 2 }}
{{- with .Values.image.pullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- end }}

{{/* A worker entry merged over workerDefaults. Call with (dict "root" $ "entry" $entry). */}}
{{- define "conveyor.worker" -}}
{{- $merged := mergeOverwrite (deepCopy .root.Values.workerDefaults) (deepCopy .entry) }}
{{- toYaml $merged }}
{{- end }}

{{/* Every Redis list of a queue, in kombu's naming. Call with (dict "root" $ "queue" "ai"). */}}
{{- define "conveyor.queueLists" -}}
{{- $queue := .queue }}
{{- $sep := .root.Values.broker.prioritySeparator }}
{{- range .root.Values.broker.prioritySteps }}
- {{ if eq (int .) 0 }}{{ $queue }}{{ else }}{{ printf "%s%s%d" $queue $sep (int .) }}{{ end }}
{{- end }}
{{- end }}

{{/* A Prometheus duration of one unit (500ms, 30s, 1m, 1h) in seconds. */}}
{{- define "conveyor.durationSeconds" -}}
{{- $d := toString . -}}
{{- if hasSuffix "ms" $d -}}{{ divf (trimSuffix "ms" $d | atoi) 1000 }}
{{- else if hasSuffix "s" $d -}}{{ trimSuffix "s" $d }}
{{- else if hasSuffix "m" $d -}}{{ mul (trimSuffix "m" $d | atoi) 60 }}
{{- else -}}{{ mul (trimSuffix "h" $d | atoi) 3600 }}
{{- end -}}
{{- end }}
