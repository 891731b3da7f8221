// Checks of the Kubernetes manifests (deploy/kubernetes, docs/deployment.md "Kubernetes") without a cluster: every
// object against its API schema (kubernetes-models, and KEDA's CRD schema from @kubernetes-models/keda), then what a
// schema cannot see: references between objects, ports, probes served by the code, the GPU request, variables the
// code reads and the guide documents, the queue metric the autoscaling reads.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { sourceText } from "./source-text";

const root = resolve(import.meta.dirname, "..");
const dir = join(root, "deploy", "kubernetes");
const read = (path: string) => readFileSync(join(root, path), "utf8");

interface Kustomization {
  namespace?: string;
  resources: string[];
  images?: { name: string; newTag?: string }[];
}
const kustomization = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Kustomization;

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field below
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> } } & any;
const manifests: { file: string; object: Manifest }[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(dir, file), "utf8")).map((doc) => ({ file, object: doc.toJSON() as Manifest })),
);
const named = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name);
  if (!found) throw new Error(`deploy/kubernetes has no ${kind} ${name}`);
  return found.object;
};
const all = (kind: string): Manifest[] => manifests.filter((m) => m.object.kind === kind).map((m) => m.object);

/** The schema of each kind the manifests use; a kind without one fails the test. */
const models: Record<string, new (data: Manifest) => { validate(): void }> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
};
function schemaProblems(object: Manifest): string | undefined {
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) return `no schema for ${object.apiVersion} ${object.kind}`;
  try {
    new Model(object).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Pods' containers, with the workload that runs them. */
const workloads = [...all("Deployment"), ...all("Job")];
const containersOf = (w: Manifest) => w.spec.template.spec.containers as Manifest[];
const envNames = (c: Manifest): string[] => (c.env ?? []).map((e: { name: string }) => e.name);
const envValue = (c: Manifest, name: string) => c.env?.find((e: { name: string }) => e.name === name)?.value;

describe("deploy/kubernetes", () => {
  it("lists every manifest of the directory in its kustomization, in the namespace it creates", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(named("Namespace", kustomization.namespace!)).toBeDefined();
    const images = workloads.flatMap((w) => containersOf(w).map((c) => c.image as string));
    expect(new Set(images)).toEqual(new Set(kustomization.images!.map((i) => i.name)));
    // Each image is one the repository builds.
    for (const image of new Set(images))
      expect(existsSync(join(root, "docker", `${image.split("/")[1]}.Dockerfile`))).toBe(true);
  });

  it("validates every object against its Kubernetes (or KEDA) schema", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(10);
    for (const { file, object } of manifests) {
      expect(schemaProblems(object), `${file}: ${object.kind} ${object.metadata?.name}`).toBeUndefined();
    }
    // The schemas are strict enough to catch a wrong type, a missing field, a string where KEDA wants one.
    const api = structuredClone(named("Deployment", "vitnas-api"));
    api.spec.replicas = "two";
    expect(schemaProblems(api)).toContain("spec/replicas must be integer");
    delete api.spec.template.spec.containers;
    api.spec.replicas = 2;
    expect(schemaProblems(api)).toContain("spec/template/spec must have required property containers");
    const scaled = structuredClone(named("ScaledObject", "vitnas-worker-cpu"));
    scaled.spec.triggers[0].metadata.threshold = 1;
    expect(schemaProblems(scaled)).toContain("threshold must be string");
  });

  it("selects each Deployment's own pods, and the API's Service targets their named port", () => {
    for (const d of all("Deployment")) {
      const labels = d.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) expect(labels[k], d.metadata.name).toBe(v);
    }
    const service = named("Service", "vitnas-api");
    const api = named("Deployment", "vitnas-api");
    for (const [k, v] of Object.entries(service.spec.selector)) expect(api.spec.template.metadata.labels[k]).toBe(v);
    const ports = containersOf(api).flatMap((c) => c.ports.map((p: { name: string }) => p.name));
    for (const port of service.spec.ports) expect(ports).toContain(port.targetPort);
  });

  it("probes ports the containers declare, at paths the code serves", () => {
    const served = { api: sourceText(["apps/api/src"]), worker: sourceText(["apps/worker/src"]) };
    for (const d of all("Deployment")) {
      for (const c of containersOf(d)) {
        const ports = (c.ports ?? []).map((p: { name: string }) => p.name);
        for (const probe of [c.readinessProbe, c.livenessProbe]) {
          expect(probe?.httpGet, `${d.metadata.name}: an HTTP probe`).toBeDefined();
          expect(ports, d.metadata.name).toContain(probe.httpGet.port);
          const code = d.metadata.name === "vitnas-api" ? served.api : served.worker;
          expect(code, `${probe.httpGet.path} served`).toContain(`"${probe.httpGet.path}"`);
        }
      }
    }
    expect(envValue(containersOf(named("Deployment", "vitnas-api"))[0], "PORT")).toBe("3000");
  });

  it("asks one GPU per GPU worker pod, and none anywhere else", () => {
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        const gpu = w.metadata.name === "vitnas-worker-gpu" ? 1 : undefined;
        expect(c.resources?.limits?.["nvidia.com/gpu"], w.metadata.name).toBe(gpu);
        expect(c.resources?.requests?.["nvidia.com/gpu"], w.metadata.name).toBe(gpu);
      }
    }
    const gpu = named("Deployment", "vitnas-worker-gpu");
    expect(gpu.spec.template.spec.tolerations).toContainEqual({
      key: "nvidia.com/gpu",
      operator: "Exists",
      effect: "NoSchedule",
    });
    expect(envValue(containersOf(gpu)[0], "NAS_BACKEND")).toBe("tensorflow");
    expect(envValue(containersOf(gpu)[0], "WORKER_CONCURRENCY")).toBe("1");
  });

  it("gives workers time to checkpoint on SIGTERM, metrics on the port probed, and threads for the cores requested", () => {
    for (const name of ["vitnas-worker-cpu", "vitnas-worker-gpu"]) {
      const d = named("Deployment", name);
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
      const [c] = containersOf(d);
      expect(Number(envValue(c, "WORKER_METRICS_PORT"))).toBe(c.ports[0].containerPort);
      // On tensorflow (the GPU worker) one thread: libtensorflow spreads each kernel over the cores itself.
      const threads = name === "vitnas-worker-gpu" ? 1 : Number(c.resources.requests.cpu);
      expect(Number(envValue(c, "NAS_THREADS")), name).toBe(threads);
      expect(envNames(c)).toContain("WORKER_NAME");
    }
  });

  it("refers only to ConfigMaps, Secrets and keys that exist, and sets only variables the code reads and the guide documents", () => {
    const code = sourceText(["apps/api/src", "apps/worker/src", "packages"]);
    const guide = read("docs/deployment.md");
    const config = named("ConfigMap", "vitnas-config");
    const secrets = named("Secret", "vitnas-secrets");
    const variables = new Set([...Object.keys(config.data), ...Object.keys(secrets.stringData)]);
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) expect(from.configMapRef.name).toBe("vitnas-config");
          if (from.secretRef) expect(from.secretRef.name).toBe("vitnas-secrets");
        }
        for (const e of c.env ?? []) {
          variables.add(e.name);
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) expect(named("Secret", ref.name).stringData[ref.key], `${ref.name}/${ref.key}`).toBeDefined();
        }
      }
    }
    for (const variable of variables) {
      // AWS_*: read by the AWS SDK itself (the artifact store's credentials).
      if (!variable.startsWith("AWS_")) expect(code, `${variable} is read`).toMatch(new RegExp(`\\b${variable}\\b`));
      expect(guide, `${variable} is documented`).toContain(`\`${variable}\``);
    }
    // The migration Job needs the database only.
    expect(envNames(containersOf(named("Job", "vitnas-migrate"))[0])).toEqual(["DATABASE_URL"]);
  });

  it("runs the migrations as a Job with the API image and the repository's migrate script", () => {
    const job = named("Job", "vitnas-migrate");
    const [c] = containersOf(job);
    expect(c.image).toBe("vitnas/api");
    expect(c.command).toEqual(["npm", "run", "migrate"]);
    expect(JSON.parse(read("package.json")).scripts.migrate).toBeDefined();
    expect(["OnFailure", "Never"]).toContain(job.spec.template.spec.restartPolicy);
  });

  it("scales the workers with KEDA on the API's queue gauge, GPU workers first and CPU workers for the rest", () => {
    const metrics = read("apps/api/src/metrics.ts");
    const depth = read("packages/queue/src/queue.ts");
    const api = named("Deployment", "vitnas-api").spec.template.metadata.annotations;
    expect(api).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/port": "3000" });
    expect(metrics).toContain(`"${api["prometheus.io/path"]}"`);
    const scaled: Record<string, Manifest> = Object.fromEntries(
      all("ScaledObject").map((s) => [s.spec.scaleTargetRef.name, s]),
    );
    expect(Object.keys(scaled).sort()).toEqual(["vitnas-worker-cpu", "vitnas-worker-gpu"]);
    for (const [target, s] of Object.entries(scaled)) {
      expect(named("Deployment", target)).toBeDefined();
      const [trigger] = s.spec.triggers;
      expect(trigger.type).toBe("prometheus");
      for (const [, metric, state] of trigger.metadata.query.matchAll(/(\w+)\{state="(\w+)"\}/g)) {
        expect(metrics).toContain(`name: "${metric}"`);
        expect(depth).toContain(`${state}:`);
      }
      // A worker is not stopped between two searches of a steady queue.
      expect(s.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
    }
    expect(scaled["vitnas-worker-gpu"].spec.minReplicaCount).toBe(0);
    const gpuMax = scaled["vitnas-worker-gpu"].spec.maxReplicaCount;
    expect(scaled["vitnas-worker-cpu"].spec.triggers[0].metadata.query).toMatch(new RegExp(` - ${gpuMax}, 0\\)$`));
  });
});
