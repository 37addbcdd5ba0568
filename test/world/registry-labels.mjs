// Prints one image label per tag as the registry serves it: "<tag> <value>" lines,
// "-" when the tag (or the label) is absent. up.sh uses it to skip building and
// pushing images whose recipe hash the registry already has.
//
//   node registry-labels.mjs REGISTRY REPO LABEL TAG...
//   (a TAG written REPO:TAG names its own repository: one node start for many)
//   (basic-auth credentials, if any, in UW_REG_USER / UW_REG_PASSWORD)
//
// Exit 1 when the registry cannot be reached or answers something unexpected.
const [registry, repo, label, ...tags] = process.argv.slice(2);
if (!registry || !repo || !label) {
  console.error('usage: registry-labels.mjs REGISTRY REPO LABEL TAG...');
  process.exit(2);
}

const headers = {
  Accept: [
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.oci.image.manifest.v1+json',
  ].join(', '),
};
if (process.env.UW_REG_USER) {
  const basic = Buffer.from(`${process.env.UW_REG_USER}:${process.env.UW_REG_PASSWORD ?? ''}`);
  headers.Authorization = `Basic ${basic.toString('base64')}`;
}

async function get(repoName, path) {
  const res = await fetch(`http://${registry}/v2/${repoName}/${path}`, {
    headers,
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return res.json();
}

async function labelOf(arg) {
  // Tags cannot contain ":", so one in the argument separates a repository.
  const colon = arg.lastIndexOf(':');
  const [repoName, tag] = colon < 0 ? [repo, arg] : [arg.slice(0, colon), arg.slice(colon + 1)];
  const manifest = await get(repoName, `manifests/${encodeURIComponent(tag)}`);
  const digest = manifest?.config?.digest;
  if (!digest) return '-';
  const config = await get(repoName, `blobs/${digest}`);
  return config?.config?.Labels?.[label] ?? '-';
}

try {
  const values = await Promise.all(tags.map(labelOf));
  tags.forEach((tag, i) => console.log(`${tag} ${values[i]}`));
} catch (err) {
  console.error(`registry ${registry}: ${err.message}`);
  process.exit(1);
}
