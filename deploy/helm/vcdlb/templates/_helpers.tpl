{{/* Labels on every object. */}}
{{- define "vcdlb.labels" -}}
app.kubernetes.io/name: vcdlb
app.kubernetes.io/component: controller
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Pod selector: stable across upgrades. */}}
{{- define "vcdlb.selector" -}}
app.kubernetes.io/name: vcdlb
app.kubernetes.io/component: controller
{{- end -}}

{{- define "vcdlb.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
