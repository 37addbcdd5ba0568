// Tag lists page through `Link: </v2/<name>/tags/list?n=10&last=x>; rel="next"`
// (RFC 8288). URLs may hold commas and semicolons, so parse by angle brackets.

export function nextLink(header: string | null, base: string): URL | undefined {
	if (!header) return undefined;
	const pattern = /<([^>]*)>((?:\s*;\s*[^;,<]+)*)/g;
	for (const match of header.matchAll(pattern)) {
		const params = match[2];
		const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
		const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
		if (relations.includes('next')) {
			try {
				return new URL(match[1], base);
			} catch {
				return undefined;
			}
		}
	}
	return undefined;
}
