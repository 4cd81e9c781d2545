#!/bin/sh
# /usr/bin/workstation: a facility-wide config in /etc (shipped by IT) wins over the per-user one,
# unless the caller names another with WORKSTATION_CONFIG or --config.
if [ -z "${WORKSTATION_CONFIG:-}" ] && [ -r /etc/workstation/workstation.toml ]; then
  WORKSTATION_CONFIG=/etc/workstation/workstation.toml
  export WORKSTATION_CONFIG
fi
exec /opt/workstation/workstation "$@"
