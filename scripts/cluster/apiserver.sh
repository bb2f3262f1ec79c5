# The kube-apiserver command line, shared by up.sh and restart-apiserver.sh (sourced; needs
# BIN_DIR, ETCD_PORT, API_PORT and pki set).
APISERVER_CMD=(
  "$BIN_DIR/kube-apiserver"
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" --bind-address=127.0.0.1 --advertise-address=127.0.0.1
  --secure-port="$API_PORT" --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key"
  --client-ca-file="$pki/ca.crt" --authorization-mode=Node,RBAC
  --service-account-issuer=https://kubernetes.default.svc.cluster.local
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key"
  --service-cluster-ip-range=10.96.0.0/16 --allow-privileged=true
  --disable-admission-plugins=ServiceAccount --enable-priority-and-fairness=false
  --max-requests-inflight=0 --max-mutating-requests-inflight=0
  --profiling=false --v=0
)
