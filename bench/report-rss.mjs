// Preloaded with `node --import` by the startup benchmark: writes the process's
// peak resident set (KiB) to $UW_RSS_FILE at exit. GNU time's %M is not
// reliable on these machines.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
	if (process.env.UW_RSS_FILE) writeFileSync(process.env.UW_RSS_FILE, String(process.resourceUsage().maxRSS));
});
