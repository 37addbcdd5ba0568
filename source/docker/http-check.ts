import { bodyProblem, type BodyRule } from '../core/plan/health.js';

// One HTTP health check: a bounded GET, redirects not followed, its status and
// the rules over its JSON body (a profile's; none for a bare --health-url).

const HTTP_TIMEOUT_MS = 3_000;

/** What a healthy answer is: the status, and rules over a JSON body (a profile's; none for a bare --health-url). */
export interface HttpExpectation {
	status: number;
	body: BodyRule[];
}

const PLAIN: HttpExpectation = { status: 200, body: [] };
/** Bodies past this are not read for rules: a health answer is small. */
const BODY_LIMIT = 1 << 20;

/** One GET of an app's endpoint, bounded, redirects not followed: what the health gate and the post-upgrade checks ask. */
export async function askEndpoint(url: string): Promise<{ status: number; body: string }> {
	const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), redirect: 'manual' });
	return { status: response.status, body: await response.text() };
}

/** Check a health URL once: the expected status, and every body rule on its JSON. */
export async function checkHealthUrl(url: string, expect: HttpExpectation = PLAIN): Promise<{ ok: boolean; detail: string }> {
	try {
		const response = await askEndpoint(url);
		const body = response.body;
		if (response.status !== expect.status) return { ok: false, detail: `HTTP ${response.status} from ${url}${expect.status === 200 ? '' : ` (${expect.status} expected)`}` };
		if (expect.body.length > 0) {
			let json: unknown;
			try {
				json = body.length > BODY_LIMIT ? undefined : JSON.parse(body);
			} catch {
				json = undefined;
			}
			if (json === undefined) return { ok: false, detail: `${url} answered ${response.status} but its body is not JSON (the profile checks ${expect.body.map((rule) => rule.path).join(', ')})` };
			const problem = bodyProblem(json, expect.body);
			if (problem) return { ok: false, detail: `${url} answered ${response.status} but ${problem}` };
		}
		return { ok: true, detail: `HTTP ${response.status} from ${url}${expect.body.length > 0 ? ', body rules hold' : ''}` };
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
		return { ok: false, detail: `${url} did not answer (${cause})` };
	}
}
