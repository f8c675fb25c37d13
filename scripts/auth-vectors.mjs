// Records request signatures made by the vendors' official npm SDKs, for the core's
// unit tests (crates/imginfo/tests/fixtures/auth/sdk-vectors.json). Each SDK either
// sends its request to a local server that records method, path, query and headers, or
// presigns a URL; nothing here computes a signature itself. Run after `npm ci` (the SDKs
// are dev dependencies):
//
//   node scripts/auth-vectors.mjs > crates/imginfo/tests/fixtures/auth/sdk-vectors.json
//
// The access keys are throwaway test values; the vectors carry the time they were made,
// which the tests use as "now".
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ID = 'AKTESTVECTORS00001';
const SECRET = 'test-secret/+=vectors-0001';
const BUCKET = 'imginfo-test';
const KEY = 'dir/a b+c/图片.jpg';

const seen = [];
const server = http.createServer((req, res) => {
  seen.push({ method: req.method, url: req.url, headers: req.headers });
  res.writeHead(404, { 'content-type': 'application/xml', 'x-oss-request-id': 'x', 'x-tos-request-id': 'x', 'x-obs-request-id': 'x', 'x-amz-request-id': 'x', 'x-cos-request-id': 'x', 'x-qs-request-id': 'x' });
  res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>x</Message><RequestId>x</RequestId></Error>');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const host = `localhost:${port}`;
const vectors = [];

/** Runs an SDK call that sends one request, and records what arrived. */
async function sent(sdk, scheme, style, fn) {
  const before = seen.length;
  try {
    await fn();
  } catch {
    // The recording server answers 404: the SDKs throw, the request is recorded.
  }
  const r = seen[before];
  if (!r) throw new Error(`${sdk}: no request recorded`);
  const u = new URL(r.url, `http://${r.headers.host ?? host}`);
  vectors.push({
    sdk, scheme, form: 'header', style, method: r.method,
    scheme_: 'http', authority: r.headers.host ?? host, path: u.pathname,
    query: r.url.includes('?') ? r.url.slice(r.url.indexOf('?') + 1) : '',
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)])),
    now: Math.floor(Date.now() / 1000),
  });
}

/** Records a presigned URL. */
function presigned(sdk, scheme, style, url) {
  const u = new URL(url);
  const raw = url.slice(url.indexOf('//') + 2);
  const rawPath = raw.slice(raw.indexOf('/')).split('?')[0];
  vectors.push({
    sdk, scheme, form: 'query', style, method: 'GET', scheme_: u.protocol.replace(':', ''),
    authority: u.host, path: rawPath, query: url.includes('?') ? url.slice(url.indexOf('?') + 1) : '',
    headers: { host: u.host }, now: Math.floor(Date.now() / 1000),
  });
}

// Alibaba OSS (ali-oss): custom domain (cname), V1 and V4, header and URL.
{
  const OSS = require('ali-oss');
  const base = { region: 'oss-cn-hangzhou', accessKeyId: ID, accessKeySecret: SECRET, bucket: BUCKET, endpoint: `http://${host}`, cname: true, retryMax: 0 };
  const v1 = new OSS(base);
  await sent('ali-oss', 'oss-v1', 'custom', () => v1.get(KEY, { process: 'image/info' }));
  await sent('ali-oss', 'oss-v1', 'custom', () => v1.head(KEY));
  presigned('ali-oss', 'oss-v1', 'custom', v1.signatureUrl(KEY, { process: 'image/info', expires: 3600 }));
  presigned('ali-oss', 'oss-v1', 'custom', v1.signatureUrl(KEY, { expires: 3600 }));
  const v4 = new OSS({ ...base, authorizationV4: true });
  await sent('ali-oss', 'oss-v4', 'custom', () => v4.get(KEY, { process: 'image/info' }));
  presigned('ali-oss', 'oss-v4', 'custom', await v4.signatureUrlV4('GET', 3600, { queries: { 'x-oss-process': 'image/info' } }, KEY));
  presigned('ali-oss', 'oss-v4', 'custom', await v4.signatureUrlV4('GET', 3600, { headers: { host }, queries: {} }, KEY, ['host']));
}

// Huawei OBS (esdk-obs-nodejs): custom domain (AWS V2, the SDK's choice there) and path
// style with the native OBS signature.
{
  const ObsClient = require('esdk-obs-nodejs');
  const cname = new ObsClient({ access_key_id: ID, secret_access_key: SECRET, server: `http://${host}`, is_cname: true, max_retry_count: 0 });
  // The native OBS signature needs virtual-host style (path style and custom domains
  // make the SDK sign AWS V2): <bucket>.localhost, resolved here to the recorder.
  const agent = new http.Agent({ lookup: (_h, opts, cb) => (opts && opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) });
  const vhost = new ObsClient({ access_key_id: ID, secret_access_key: SECRET, server: `http://${host}`, signature: 'obs', is_signature_negotiation: false, http_agent: agent, max_retry_count: 0 });
  const path = new ObsClient({ access_key_id: ID, secret_access_key: SECRET, server: `http://${host}`, path_style: true, max_retry_count: 0 });
  // The client finishes its (asynchronous) set-up on a later tick.
  await new Promise((r) => setTimeout(r, 100));
  await sent('esdk-obs-nodejs', 'aws-v2', 'custom', () => cname.getObject({ Bucket: BUCKET, Key: KEY, ImageProcess: 'image/info' }));
  presigned('esdk-obs-nodejs', 'aws-v2', 'custom', cname.createSignedUrlSync({ Method: 'GET', Bucket: BUCKET, Key: KEY, Expires: 3600, QueryParams: { 'x-image-process': 'image/info' } }).SignedUrl);
  await sent('esdk-obs-nodejs', 'aws-v2', 'path', () => path.getObject({ Bucket: BUCKET, Key: KEY, ImageProcess: 'image/info' }));
  presigned('esdk-obs-nodejs', 'aws-v2', 'path', path.createSignedUrlSync({ Method: 'GET', Bucket: BUCKET, Key: KEY, Expires: 3600, QueryParams: { 'x-image-process': 'image/info' } }).SignedUrl);
  await sent('esdk-obs-nodejs', 'obs-v2', 'vhost', () => vhost.getObject({ Bucket: BUCKET, Key: KEY, ImageProcess: 'image/info' }));
  presigned('esdk-obs-nodejs', 'obs-v2', 'vhost', vhost.createSignedUrlSync({ Method: 'GET', Bucket: BUCKET, Key: KEY, Expires: 3600, QueryParams: { 'x-image-process': 'image/info' } }).SignedUrl);
}

// AWS SigV4 (@aws-sdk/client-s3 and the presigner), path style.
{
  const { S3Client, GetObjectCommand, HeadObjectCommand } = require('@aws-sdk/client-s3');
  const { getSignedUrl } = require('@aws-sdk/s3-request-presigner');
  const s3 = new S3Client({ region: 'auto', endpoint: `http://${host}`, forcePathStyle: true, credentials: { accessKeyId: ID, secretAccessKey: SECRET }, maxAttempts: 1 });
  await sent('@aws-sdk/client-s3', 'aws-v4', 'path', () => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY })));
  await sent('@aws-sdk/client-s3', 'aws-v4', 'path', () => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY })));
  presigned('@aws-sdk/s3-request-presigner', 'aws-v4', 'path', await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: KEY }), { expiresIn: 3600 }));
}

// Volcengine TOS (@volcengine/tos-sdk), custom domain.
{
  const { TosClient } = require('@volcengine/tos-sdk');
  const tos = new TosClient({ accessKeyId: ID, accessKeySecret: SECRET, region: 'cn-beijing', endpoint: host, secure: false, bucket: BUCKET, isCustomDomain: true, maxRetryCount: 0 });
  await sent('@volcengine/tos-sdk', 'tos-v4', 'custom', () => tos.getObjectV2({ key: KEY, process: 'image/info' }));
  presigned('@volcengine/tos-sdk', 'tos-v4', 'custom', tos.getPreSignedUrl({ key: KEY, isCustomDomain: true, expires: 3600, query: { 'x-tos-process': 'image/info' } }));
}

// Tencent COS (cos-nodejs-sdk-v5), its domain pointed here.
{
  const COS = require('cos-nodejs-sdk-v5');
  const cos = new COS({ SecretId: ID, SecretKey: SECRET, Domain: host, Protocol: 'http:' });
  await sent('cos-nodejs-sdk-v5', 'cos', 'custom', () => new Promise((res, rej) => cos.getObject({ Bucket: 'imginfo-1250000000', Region: 'ap-beijing', Key: KEY, Query: { imageInfo: '' } }, (e, d) => (e ? rej(e) : res(d)))));
  presigned('cos-nodejs-sdk-v5', 'cos', 'custom', cos.getObjectUrl({ Bucket: 'imginfo-1250000000', Region: 'ap-beijing', Key: KEY, Sign: true, Expires: 3600, Query: { imageInfo: '' } }));
}

// Qiniu (qiniu): private download URL.
{
  const qiniu = require('qiniu');
  const mac = new qiniu.auth.digest.Mac(ID, SECRET);
  const bm = new qiniu.rs.BucketManager(mac, new qiniu.conf.Config());
  const deadline = Math.floor(Date.now() / 1000) + 3600;
  presigned('qiniu', 'qiniu', 'custom', bm.privateDownloadUrl(`http://${host}`, `${KEY}?imageInfo`, deadline));
  presigned('qiniu', 'qiniu', 'custom', bm.privateDownloadUrl(`http://${host}`, KEY, deadline));
}

// QingStor (qingstor-sdk): signed in place (its requests name a zone host).
{
  const { Config, QingStor } = require('qingstor-sdk');
  const cfg = new Config({ access_key_id: ID, secret_access_key: SECRET });
  cfg.host = 'localhost';
  cfg.port = port;
  cfg.protocol = 'http';
  const bucket = new QingStor(cfg).Bucket(BUCKET, '');
  const req = bucket.imageProcessRequest(KEY, { action: 'info' });
  await req.sign();
  const op = req.operation;
  const u = new URL(op.uri);
  vectors.push({
    sdk: 'qingstor-sdk', scheme: 'qingstor', form: 'header', style: 'path', method: 'GET', scheme_: 'http',
    authority: u.host, path: op.uri.slice(op.uri.indexOf('/', 8)).split('?')[0],
    query: op.uri.split('?').slice(1).join('?'),
    headers: Object.fromEntries(Object.entries(op.headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
    now: Math.floor(Date.now() / 1000),
  });
  const q = bucket.imageProcessRequest(KEY, { action: 'info' });
  await q.signQuery(3600);
  presigned('qingstor-sdk', 'qingstor', 'path', q.operation.uri);
}

server.close();
process.stdout.write(JSON.stringify({ id: ID, secret: SECRET, bucket: BUCKET, key: KEY, vectors }, null, 1) + '\n');
