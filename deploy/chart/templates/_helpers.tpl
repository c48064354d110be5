{{/* The manager image: repository:tag, pinned by digest when image.digest is set. */}}
{{- define "driftless.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}{{ with .Values.image.digest }}@{{ . }}{{ end }}
{{- end -}}
