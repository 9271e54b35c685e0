#!/usr/bin/env bash
# Validates deploy/ offline: every Kubernetes manifest against the Kubernetes JSON schemas (strict:
# unknown fields are errors) of the oldest and newest versions we support, the kustomizations'
# resource lists, the numbers that must agree across manifests (the coordinator's --workers and the
# workers Job's parallelism and completions), and the Grafana dashboard's JSON.
#
# Needs python3 and kubernetes-validate (PyPI; installed here, pinned, if missing: it carries the
# schemas, so validation itself needs no network and no cluster).
set -euo pipefail
cd "$(dirname "$0")/.."

version="1.37.0"
if ! python3 -c "import kubernetes_validate" 2>/dev/null; then
    echo "installing kubernetes-validate==$version"
    python3 -m pip install --quiet "kubernetes-validate==$version"
fi

manifests=()
while IFS= read -r file; do manifests+=("$file"); done < <(find deploy/kubernetes -name '*.yaml' ! -name kustomization.yaml | sort)
[ ${#manifests[@]} -gt 0 ] || { echo "no manifests under deploy/kubernetes" >&2; exit 1; }

# Indexed Jobs with pod sysctls and topology spread: 1.29 is the oldest version the manifests target.
for kubernetes in 1.29.0 1.37.0; do
    echo "kubernetes-validate --strict -k $kubernetes (${#manifests[@]} manifests)"
    python3 -m kubernetes_validate --strict --quiet -k "$kubernetes" "${manifests[@]}"
done

python3 - "${manifests[@]}" <<'PY'
import json, os, sys
import yaml

failures = []
documents = {}
for path in sys.argv[1:]:
    with open(path) as handle:
        for document in yaml.safe_load_all(handle):
            if document:
                documents[(document["kind"], document["metadata"]["name"])] = (path, document)

# Every kustomization lists exactly the manifests of its directory, and they exist.
for root, _, files in os.walk("deploy/kubernetes"):
    if "kustomization.yaml" not in files:
        continue
    with open(os.path.join(root, "kustomization.yaml")) as handle:
        kustomization = yaml.safe_load(handle)
    listed = set(kustomization.get("resources", []))
    present = {name for name in files if name.endswith(".yaml") and name != "kustomization.yaml"}
    for name in sorted(listed - present):
        failures.append(f"{root}/kustomization.yaml lists {name}, which does not exist")
    for name in sorted(present - listed):
        failures.append(f"{root}/kustomization.yaml does not list {name}")

# The coordinator's --workers = the workers Job's parallelism = its completions.
def arguments(document):
    return document["spec"]["template"]["spec"]["containers"][0].get("args", [])

def flag(args, name):
    for index, argument in enumerate(args):
        if argument.startswith(name + "="):
            return argument.split("=", 1)[1]
        if argument == name and index + 1 < len(args):
            return args[index + 1]
    return None

coordinator = documents.get(("Job", "bgbfleet-coordinator"))
workers = documents.get(("Job", "bgbfleet-workers"))
if not coordinator or not workers:
    failures.append("the coordinator Job and the workers Job must both exist")
else:
    count = flag(arguments(coordinator[1]), "--workers")
    spec = workers[1]["spec"]
    if spec.get("completionMode") != "Indexed":
        failures.append("the workers Job must be Indexed (JOB_COMPLETION_INDEX is the worker index)")
    if not (count and int(count) == spec.get("parallelism") == spec.get("completions")):
        failures.append(f"coordinator --workers={count} must equal the workers Job's parallelism ({spec.get('parallelism')}) and completions ({spec.get('completions')})")
    service = documents.get(("Service", "bgbfleet-coordinator"))
    if not service or service[1]["spec"].get("clusterIP") != "None":
        failures.append("the coordinator Service must be headless (clusterIP: None)")
    target = flag(arguments(workers[1]), "--coordinator")
    listen = flag(arguments(coordinator[1]), "--listen")
    if not target or not listen or target.split(":")[-1] != listen.split(":")[-1]:
        failures.append(f"workers' --coordinator {target} and the coordinator's --listen {listen} disagree on the port")
    sysctls = {s["name"] for s in workers[1]["spec"]["template"]["spec"].get("securityContext", {}).get("sysctls", [])}
    if "net.ipv4.ip_local_port_range" not in sysctls:
        failures.append("the workers need the net.ipv4.ip_local_port_range sysctl")

# The profile in the ConfigMap is YAML.
profile = documents.get(("ConfigMap", "bgbfleet-profile"))
if profile:
    yaml.safe_load(profile[1]["data"]["profile.yaml"])

# Grafana dashboards are JSON with panels over bgbfleet metrics.
for root, _, files in os.walk("deploy/grafana"):
    for name in files:
        if name.endswith(".json"):
            with open(os.path.join(root, name)) as handle:
                dashboard = json.load(handle)
            expressions = [t.get("expr", "") for p in dashboard.get("panels", []) for t in p.get("targets", [])]
            if not expressions or not all("bgbfleet_" in e for e in expressions):
                failures.append(f"{root}/{name}: every panel target must query bgbfleet metrics")

for failure in failures:
    print("error:", failure, file=sys.stderr)
if failures:
    sys.exit(1)
print(f"deploy/: {len(documents)} resources consistent")
PY
