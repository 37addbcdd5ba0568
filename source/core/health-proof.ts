// What proves a new container healthy before Docker says so. Docker runs an
// image's healthcheck once per interval (30 s by default), so waiting for its
// "healthy" costs up to an interval after the app already serves. The gate
// also runs a check of its own, often: the profile's HTTP check when there is
// one, else the image's own healthcheck command. Whichever proves health first
// passes the gate:
// - the engine's "healthy" (plus one passing HTTP check when the gate has a URL);
// - our own check passing twice in a row: a fluke answer (a half-started app,
//   a port taken by something else for a moment) rarely passes twice;
// - a URL-only gate (no Docker healthcheck) passes on one answer, as it always did.
// Pure: unit-tested with fakes (test/unit/health-proof.test.ts).

export interface ProofNeeds {
	/** The gate follows a Docker healthcheck. */
	healthcheck: boolean;
	/** The gate asks an HTTP URL (the profile's check or --health-url). */
	url: boolean;
}

/** Passes in a row of our own check that count as proof. */
export const OWN_PASSES = 2;

export class HealthProof {
	private streak = 0;
	private engineHealthy = false;
	private lastOwn: string | undefined;

	constructor(private readonly needs: ProofNeeds) {}

	/** Docker's health status, from the events stream or an inspect. */
	engine(status: string | undefined): void {
		this.engineHealthy = status === 'healthy';
	}

	/** One run of our own check (the URL, else the image's healthcheck command). */
	own(ok: boolean, detail: string): void {
		this.streak = ok ? this.streak + 1 : 0;
		this.lastOwn = detail;
	}

	/** The last own check's outcome, for the failure report. */
	get lastCheck(): string | undefined {
		return this.lastOwn;
	}

	/** How long until the next own check: a quick confirmation after a pass, else the polling interval. */
	nextCheckIn(intervalMs: number, confirmMs: number): number {
		return this.streak > 0 ? confirmMs : intervalMs;
	}

	/** Why the gate passes now, or undefined while it does not. */
	passed(): string | undefined {
		const { healthcheck, url } = this.needs;
		if (url && !healthcheck) return this.streak >= 1 ? 'HTTP check passed' : undefined;
		if (url) {
			if (this.engineHealthy && this.streak >= 1) return 'Docker healthcheck healthy, HTTP check passed';
			if (this.streak >= OWN_PASSES) return `HTTP check passed ${OWN_PASSES} times in a row (Docker's healthcheck had not run yet)`;
			return undefined;
		}
		if (!healthcheck) return undefined;
		if (this.engineHealthy) return 'Docker healthcheck healthy';
		if (this.streak >= OWN_PASSES) return `the image's healthcheck command passed ${OWN_PASSES} times in a row (run by the wizard; Docker's had not run yet)`;
		return undefined;
	}
}
