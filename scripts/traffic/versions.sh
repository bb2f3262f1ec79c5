# The pinned Traefik that the traffic tests and the demo send real requests through. Changing the
# version rebuilds into a new cache folder.
. "$(dirname "${BASH_SOURCE[0]}")/../cluster/versions.sh"
TRAEFIK_VERSION=v3.7.13
TRAEFIK_DIR=$CACHE_ROOT/bin/traefik-$TRAEFIK_VERSION
# Where up.sh keeps the pod network's and the proxy's state, logs and pids.
TRAFFIC_STATE=${ROLLOUT_PILOT_TRAFFIC_DIR:-$CACHE_ROOT/traffic}
# The network namespace the backend lives in, and the veth pair that joins it to the host.
PODNET_NS=${ROLLOUT_PILOT_PODNET_NS:-rp-pods}
PODNET_HOST_IF=rp-host
PODNET_POD_IF=rp-pod
PODNET_HOST_ADDR=169.254.77.1
PODNET_POD_ADDR=169.254.77.2
# kwok hands out pod IPs from this range (scripts/cluster/up.sh, --cidr).
POD_CIDR=10.244.0.0/16
# Traefik's entry points, on loopback only.
TRAEFIK_WEB_PORT=${ROLLOUT_PILOT_TRAEFIK_PORT:-26480}
TRAEFIK_ADMIN_PORT=$((TRAEFIK_WEB_PORT + 1))
BACKEND_CONTROL_PORT=$((TRAEFIK_WEB_PORT + 2))
# The cluster objects up.sh makes for Traefik: its classes and one shared Gateway.
TRAFFIC_NAMESPACE=rollout-pilot-traffic
TRAFFIC_GATEWAY_CLASS=rollout-pilot-traefik
TRAFFIC_GATEWAY=traefik
TRAFFIC_INGRESS_CLASS=rollout-pilot-nginx
TRAFFIC_INGRESS_CONTROLLER=rollout-pilot.dev/ingress-nginx
