{{- /*
Names and blocks shared by the templates. The chart keeps to the template
subset test/charts/render.ts renders (listed at the top of that file), so
that its tests check what Helm would render: no `with`, no `else`, no
variables but `$`, no functions but include, quote, default, toYaml,
nindent and sha256sum.
*/ -}}

{{- /* Object names: <release>-control-plane, <release>-gateway and
<release>-storage. Service names are DNS labels (63 characters), so release
names stay within 49; with the storage service, within 44: a StatefulSet's
pods carry controller-revision-hash=<name>-<10-character hash>, a label
value of 63 characters at most, so its name stays within 52. */ -}}
{{- define "gov.controlPlane.name" -}}
{{ .Release.Name }}-control-plane
{{- end }}

{{- define "gov.gateway.name" -}}
{{ .Release.Name }}-gateway
{{- end }}

{{- define "gov.storage.name" -}}
{{ .Release.Name }}-storage
{{- end }}

{{- /* Labels on every object of the release. */ -}}
{{- define "gov.labels" -}}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gov-platform
{{- end }}

{{- /* Selector labels: fixed for the life of a release (a Deployment's
selector cannot change). The pods also carry gov.labels: the Kubernetes
driver's NetworkPolicies in ministries' namespaces find the platform's pods
by app.kubernetes.io/part-of=gov-platform and app.kubernetes.io/component
(platform/src/drivers/select-driver.ts). */ -}}
{{- define "gov.controlPlane.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: control-plane
{{- end }}

{{- define "gov.gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{- /* The storage pods: the driver's egress policies in ministries'
namespaces let app pods out to exactly component=storage and
part-of=gov-platform in the release namespace (STORAGE_POD_LABELS in
platform/src/drivers/select-driver.ts). */ -}}
{{- define "gov.storage.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: storage
{{- end }}

{{- define "gov.image" -}}
"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
{{- end }}

{{- /* The image apps run in, and the storage service too (unquoted). */ -}}
{{- define "gov.runtimeImage" -}}
{{ .Values.runtimeImage.repository }}:{{ .Values.runtimeImage.tag | default .Chart.AppVersion }}
{{- end }}

{{- /* The control plane's URL inside the cluster, from any namespace: the
gateway and ministries' app pods (which fetch their code there) use it. */ -}}
{{- define "gov.internalApiUrl" -}}
http://{{ include "gov.controlPlane.name" . }}.{{ .Release.Namespace }}.svc:{{ .Values.controlPlane.port }}
{{- end }}

{{- /* The storage service's URL, from any namespace: the control plane
calls it, and the driver gives app pods its host and port
(GOV_STORAGE_ADDRESS) and opens their egress to its port. */ -}}
{{- /* The gateway's service binding relay: a fixed port, the platform's
default (GOV_SERVICE_RELAY_PORT), not a value: nothing outside the cluster
ever reaches it. */ -}}
{{- define "gov.serviceRelayPort" -}}
8090
{{- end }}

{{- define "gov.storage.url" -}}
http://{{ include "gov.storage.name" . }}.{{ .Release.Namespace }}.svc:{{ .Values.storage.port }}
{{- end }}

{{- /* Settings both processes read (platform/src/config.ts; with
GOV_DRIVER=kubernetes both need the runtime image and the platform's
namespace). Never a secret: secrets reach the processes as secretKeyRef
env vars. */ -}}
{{- define "gov.commonConfig" -}}
NODE_ENV: "production"
GOV_DRIVER: "kubernetes"
GOV_BIND_HOST: "0.0.0.0"
GOV_DATA_DIR: "/var/lib/gov"
GOV_API_PORT: {{ .Values.controlPlane.port | quote }}
GOV_GATEWAY_PORT: {{ .Values.gateway.port | quote }}
GOV_BASE_DOMAIN: {{ .Values.baseDomain | quote }}
GOV_PUBLIC_GATEWAY_URL: {{ .Values.publicGatewayUrl | quote }}
GOV_INTERNAL_API_URL: {{ include "gov.internalApiUrl" . | quote }}
GOV_PLATFORM_NAMESPACE: {{ .Release.Namespace | quote }}
GOV_RUNTIME_IMAGE: "{{ include "gov.runtimeImage" . }}"
{{- /* Apps' service bindings: the gateway serves its relay on this port, and
the control plane gives apps' pods the relay's Service address. */}}
GOV_SERVICE_RELAY_PORT: {{ include "gov.serviceRelayPort" . | quote }}
GOV_SERVICE_RELAY_URL: "http://{{ include "gov.gateway.name" . }}.{{ .Release.Namespace }}.svc:{{ include "gov.serviceRelayPort" . }}"
{{- if .Values.tuning }}
{{ toYaml .Values.tuning }}
{{- end }}
{{- end }}

{{- /* Settings only the control plane reads. The OIDC issuer is here, not in
the common config: the platform refuses an issuer without the client
secret, and the gateway is not given that secret. */ -}}
{{- define "gov.controlPlaneConfig" -}}
GOV_PUBLIC_API_URL: {{ .Values.publicApiUrl | quote }}
GOV_OIDC_ISSUER: {{ .Values.oidc.issuer | quote }}
GOV_OIDC_CLIENT_ID: {{ .Values.oidc.clientId | quote }}
GOV_OIDC_CLI_CLIENT_ID: {{ .Values.oidc.cliClientId | quote }}
{{- if .Values.storage.enabled }}
GOV_STORAGE_URL: {{ include "gov.storage.url" . | quote }}
{{- end }}
{{- end }}

{{- /* Pod and container security: the same for every pod of the chart
(the control plane, the gateway, the storage service) and not values, so
no install can weaken them. Meets the "restricted" Pod Security
Standard. */ -}}
{{- /* Ids through toYaml: Helm reads values files' numbers as float64 and
prints 1000000 or more in exponent form (helm/helm#1707); toYaml does not. */ -}}
{{- define "gov.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.runAs.user | toYaml }}
runAsGroup: {{ .Values.runAs.group | toYaml }}
fsGroup: {{ .Values.runAs.group | toYaml }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "gov.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- /* Writable paths on a read-only root filesystem: /tmp, and the data
directory (bootstrap token, published audit public key). The image writes
nowhere else. */ -}}
{{- define "gov.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /var/lib/gov
{{- end }}

{{- define "gov.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: data
  emptyDir:
    sizeLimit: 64Mi
{{- end }}
