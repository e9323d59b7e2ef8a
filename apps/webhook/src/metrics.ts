// Prometheus text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/), written
// by hand: a handful of counters, gauges and histograms needs no client library.

type Labels = Readonly<Record<string, string>>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelText(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, v] of this.values) lines.push(`${this.name}${key} ${v}`);
    return lines.join('\n');
  }
}

class Gauge {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(labels: Labels, value: number): void {
    this.values.set(labelText(labels), value);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [key, v] of this.values) lines.push(`${this.name}${key} ${v}`);
    return lines.join('\n');
  }
}

class Histogram {
  readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly bounds: readonly number[],
  ) {}
  observe(value: number, labels: Labels = {}): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    this.bounds.forEach((b, i) => {
      if (value <= b) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
    s.sum += value;
    s.count += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.series) {
      const inner = key ? key.slice(1, -1) + ',' : '';
      this.bounds.forEach((b, i) => {
        lines.push(`${this.name}_bucket{${inner}le="${b}"} ${s.buckets[i]}`);
      });
      lines.push(`${this.name}_bucket{${inner}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${key} ${s.sum}`);
      lines.push(`${this.name}_count${key} ${s.count}`);
    }
    return lines.join('\n');
  }
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LONG_SECONDS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

export class Metrics {
  readonly deliveries = new Counter(
    'xrd_webhook_deliveries_total',
    'Webhook deliveries received, by forge, event and result (accepted, duplicate, ignored, rejected).',
  );
  readonly dispatches = new Counter(
    'xrd_webhook_dispatches_total',
    'Dispatches by target forge and result (sent, recovered, rejected, superseded).',
  );
  readonly completions = new Counter(
    'xrd_webhook_runs_completed_total',
    'Bridged runs reported, by conclusion.',
  );
  readonly reconcileChecks = new Counter(
    'xrd_webhook_reconcile_checks_total',
    'Reconciler run checks, by result (pending, completed, error).',
  );
  readonly errors = new Counter('xrd_webhook_errors_total', 'Failed work steps, by step and error code.');
  readonly setAside = new Counter(
    'xrd_webhook_set_aside_total',
    'Stored rows taken out of the queue because they cannot be processed, by table.',
  );
  readonly inflight = new Gauge('xrd_webhook_inflight_runs', 'Dispatches not finished yet, by state.');
  readonly pendingDeliveries = new Gauge(
    'xrd_webhook_pending_deliveries',
    'Stored deliveries not processed yet.',
  );
  readonly budget = new Gauge(
    'xrd_webhook_api_budget_remaining',
    'Forge API requests left in the current rate-limit window, as last reported.',
  );
  readonly budgetLimit = new Gauge('xrd_webhook_api_budget_limit', 'Forge API rate limit per window.');
  readonly apiRequests = new Counter(
    'xrd_webhook_api_requests_total',
    'Forge API requests, by forge and kind.',
  );
  readonly ackSeconds = new Histogram(
    'xrd_webhook_ack_seconds',
    'Time from receiving a delivery to answering it.',
    SECONDS,
  );
  readonly processSeconds = new Histogram(
    'xrd_webhook_delivery_processing_seconds',
    'Time from storing a delivery to its effects being recorded.',
    LONG_SECONDS,
  );
  readonly dispatchSeconds = new Histogram(
    'xrd_webhook_dispatch_seconds',
    'Time from the source event to the pending status being reported.',
    LONG_SECONDS,
  );
  readonly bridgeSeconds = new Histogram(
    'xrd_webhook_bridge_seconds',
    'Time from the source event to the final status being reported.',
    LONG_SECONDS,
  );

  render(): string {
    return (
      [
        this.deliveries,
        this.dispatches,
        this.completions,
        this.reconcileChecks,
        this.errors,
        this.setAside,
        this.apiRequests,
        this.inflight,
        this.pendingDeliveries,
        this.budget,
        this.budgetLimit,
        this.ackSeconds,
        this.processSeconds,
        this.dispatchSeconds,
        this.bridgeSeconds,
      ]
        .map((m) => m.render())
        .join('\n') + '\n'
    );
  }
}
