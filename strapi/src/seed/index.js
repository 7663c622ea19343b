'use strict';

const data = require('./data');

const CLIENT_UID = 'api::client.client';
const CAMPAIGN_UID = 'api::campaign.campaign';
const RESPONSE_UID = 'api::campaign-onboarding-response.campaign-onboarding-response';
const ROLE_UID = 'plugin::users-permissions.role';
const USER_UID = 'plugin::users-permissions.user';
const API_TOKEN_UID = 'admin::api-token';

const API_TOKEN_NAME = 'onboarding-export';
const ROW_CHUNK = 5000; // rows per createMany
const LINK_CHUNK = 500; // SQLite refuses a compound INSERT of more than 500 rows

const EXTRA_ROLES = [
  { type: 'admin', name: 'Admin', description: 'Onboarding export: may export every campaign.' },
  { type: 'client', name: 'Client', description: "Onboarding export: may export its own client's campaigns." },
];

/** Deterministic document ids in Strapi's format (24 chars [a-z0-9], first a letter). */
function documentIdFactory(seed) {
  const rnd = data.prng(seed);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return () => {
    let s = letters[Math.floor(rnd() * 26)];
    for (let i = 1; i < 24; i += 1) s += alnum[Math.floor(rnd() * 36)];
    return s;
  };
}

async function ensureRoles(strapi) {
  const roles = {};
  for (const role of EXTRA_ROLES) {
    let found = await strapi.db.query(ROLE_UID).findOne({ where: { type: role.type } });
    if (!found) {
      found = await strapi.db.query(ROLE_UID).create({ data: role });
      strapi.log.info(`[seed] created users-permissions role "${role.name}" (type ${role.type})`);
    }
    roles[role.type] = found;
  }
  for (const type of ['authenticated', 'public']) {
    roles[type] = await strapi.db.query(ROLE_UID).findOne({ where: { type } });
  }
  return roles;
}

/**
 * Everything the onboarding-export Lambdas may do with their API token, and nothing more
 * (README "Deploying" lists the same). `populate` silently drops a relation whose target the
 * token may not `find`: role.find keeps `populate[role]` on a user, client.find keeps the
 * client on a user and on a campaign.
 */
const API_TOKEN_PERMISSIONS = [
  'api::campaign-onboarding-response.campaign-onboarding-response.find',
  'api::campaign.campaign.find',
  'api::client.client.find',
  'plugin::users-permissions.user.findOne',
  'plugin::users-permissions.role.find',
];

// DEV AND TESTS ONLY, and only when STRAPI_WRITER_TOKEN is set: a second token that may create
// responses (and find the campaigns to relate them to), so tests can add rows between two runs of a schedule, and delete
// the rows they added. The export never uses it.
const WRITER_TOKEN_NAME = 'onboarding-export-tests-writer';
// (Strapi refuses to set the campaign relation of a new response without find on campaigns.)
const WRITER_TOKEN_PERMISSIONS = [
  'api::campaign-onboarding-response.campaign-onboarding-response.create',
  'api::campaign-onboarding-response.campaign-onboarding-response.delete',
  'api::campaign.campaign.find',
];

function samePermissions(actual, wanted) {
  const have = [...new Set(actual || [])].sort();
  const want = [...wanted].sort();
  return have.length === want.length && have.every((action, i) => action === want[i]);
}

/**
 * A custom content-API token with exactly API_TOKEN_PERMISSIONS, whose key is exactly
 * STRAPI_API_TOKEN. Created and corrected through the admin service (so Strapi stores the
 * permission rows itself), then its key replaced by the caller's, hashed with API_TOKEN_SALT
 * as Strapi does. Re-applied on every start: a token of another type or with other
 * permissions is put back to this one.
 */
async function ensureApiToken(strapi, key, name = API_TOKEN_NAME, permissions = API_TOKEN_PERMISSIONS) {
  if (!key) return;
  const tokenService = strapi.service('admin::api-token-content-api');
  const encryption = strapi.service('admin::encryption');
  const accessKey = tokenService.hash(key);
  let token = await tokenService.getByName(name);
  if (!token) {
    token = await tokenService.create({
      name,
      description: name === API_TOKEN_NAME
        ? 'Token of the onboarding-export Lambdas (from STRAPI_API_TOKEN): only what they read.'
        : 'Tests only (from STRAPI_WRITER_TOKEN): creates and deletes responses, nothing else.',
      type: 'custom',
      permissions,
      lifespan: null,
    });
    strapi.log.info(`[seed] created custom API token "${name}" (${permissions.length} permissions)`);
  } else if (token.type !== 'custom' || !samePermissions(token.permissions, permissions)) {
    await tokenService.update(token.id, { type: 'custom', permissions });
    strapi.log.info(`[seed] API token "${name}" reset to custom with its ${permissions.length} permissions`);
  }
  const stored = await strapi.db.query(API_TOKEN_UID).findOne({ where: { id: token.id } });
  if (stored.accessKey !== accessKey || stored.expiresAt) {
    const patch = { accessKey, lifespan: null, expiresAt: null };
    if (encryption && typeof encryption.encrypt === 'function') patch.encryptedKey = encryption.encrypt(key);
    await strapi.db.query(API_TOKEN_UID).update({ where: { id: token.id }, data: patch });
  }
}

/**
 * Bulk insert of response rows: createMany in chunks, then the response->campaign
 * link rows inserted directly (the link table is read from Strapi's metadata).
 * rows: iterable of data.responses() shapes; campaignIds: campaign key -> numeric id.
 */
async function insertResponses(strapi, rows, campaignIds, { idSeed, now = new Date() }) {
  const nextDocumentId = documentIdFactory(idSeed);
  const meta = strapi.db.metadata.get(RESPONSE_UID);
  const joinTable = meta.attributes.campaign.joinTable;
  const knex = strapi.db.connection;
  const linkName = joinTable.name;
  const sourceCol = joinTable.joinColumn.name;
  const targetCol = joinTable.inverseJoinColumn.name;
  const inverseOrderCol = joinTable.inverseOrderColumnName; // order of responses within a campaign
  const orderCol = joinTable.orderColumnName;

  // continue the per-campaign order where it stands (0 on a fresh database)
  const nextOrd = new Map();
  if (inverseOrderCol) {
    const maxima = await knex(linkName).select(targetCol).max({ m: inverseOrderCol }).groupBy(targetCol);
    for (const r of maxima) nextOrd.set(r[targetCol], Number(r.m) || 0);
  }

  let total = 0;
  let chunk = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const campaignsOfChunk = chunk.map((r) => campaignIds[r.campaign]);
    const payload = chunk.map((r) => {
      const at = new Date(r.submittedAt);
      return {
        documentId: nextDocumentId(),
        respondentName: r.respondentName,
        respondentEmail: r.respondentEmail,
        progress: r.progress,
        submittedAt: at,
        answers: r.answers,
        createdAt: at,
        updatedAt: at,
        publishedAt: now,
      };
    });
    const result = await strapi.db.query(RESPONSE_UID).createMany({ data: payload });
    let ids = result && result.ids;
    if (!ids || ids.length !== payload.length) {
      // fall back to reading the ids back by documentId
      const byDoc = new Map();
      for (let i = 0; i < payload.length; i += LINK_CHUNK) {
        const docs = payload.slice(i, i + LINK_CHUNK).map((p) => p.documentId);
        const found = await knex(meta.tableName).select('id', 'document_id').whereIn('document_id', docs);
        for (const f of found) byDoc.set(f.document_id, f.id);
      }
      ids = payload.map((p) => byDoc.get(p.documentId));
    }
    const links = ids.map((id, i) => {
      const campaignId = campaignsOfChunk[i];
      const link = { [sourceCol]: id, [targetCol]: campaignId };
      if (inverseOrderCol) {
        const ord = (nextOrd.get(campaignId) || 0) + 1;
        nextOrd.set(campaignId, ord);
        link[inverseOrderCol] = ord;
      }
      if (orderCol) link[orderCol] = 1;
      return link;
    });
    for (let i = 0; i < links.length; i += LINK_CHUNK) {
      await knex(linkName).insert(links.slice(i, i + LINK_CHUNK));
    }
    total += payload.length;
    chunk = [];
  };
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length >= ROW_CHUNK) await flush();
  }
  await flush();
  return total;
}

async function seedIfEmpty(strapi, roles) {
  const existing = await strapi.db.query(CLIENT_UID).count();
  if (existing > 0) {
    strapi.log.info(`[seed] database already has ${existing} client(s): seed skipped`);
    return false;
  }
  const started = Date.now();
  const now = new Date();
  const nextDocumentId = documentIdFactory(4242);

  const clientIds = {};
  for (const c of data.CLIENTS) {
    const created = await strapi.db.query(CLIENT_UID).create({
      data: { documentId: nextDocumentId(), name: c.name, publishedAt: now },
    });
    clientIds[c.key] = created.id;
  }
  const campaignIds = {};
  for (const c of data.CAMPAIGNS) {
    const created = await strapi.db.query(CAMPAIGN_UID).create({
      data: { documentId: nextDocumentId(), name: c.name, client: clientIds[c.client], publishedAt: now },
    });
    campaignIds[c.key] = created.id;
  }

  const userService = strapi.plugin('users-permissions').service('user');
  for (const u of data.USERS) {
    await userService.add({
      username: u.email.split('@')[0],
      email: u.email,
      provider: 'local',
      password: data.PASSWORD,
      confirmed: u.confirmed !== false,
      blocked: u.blocked === true,
      role: roles[u.role].id,
      client: u.client ? clientIds[u.client] : null,
    });
  }

  const base = [
    ...data.responses(data.BASE_RESPONSES),
    ...data.boundaryRows(),
    ...data.relativeRows(now.getTime()),
  ];
  const n = await insertResponses(strapi, base, campaignIds, { idSeed: 777, now });
  strapi.log.info(
    `[seed] seeded ${data.CLIENTS.length} clients, ${data.CAMPAIGNS.length} campaigns, ${data.USERS.length} users, ${n} responses in ${Date.now() - started} ms`
  );

  const extra = parseInt(process.env.SEED_RESPONSES || '0', 10);
  if (extra > 0) {
    const t0 = Date.now();
    const m = await insertResponses(
      strapi,
      data.responses(extra, { seed: 99991, offset: data.BASE_RESPONSES }),
      campaignIds,
      { idSeed: 31337, now }
    );
    strapi.log.info(`[seed] SEED_RESPONSES: inserted ${m} extra responses in ${Date.now() - t0} ms`);
  }
  return true;
}

async function bootstrap(strapi) {
  const roles = await ensureRoles(strapi);
  await ensureApiToken(strapi, process.env.STRAPI_API_TOKEN);
  await ensureApiToken(strapi, process.env.STRAPI_WRITER_TOKEN, WRITER_TOKEN_NAME, WRITER_TOKEN_PERMISSIONS);
  await seedIfEmpty(strapi, roles);
}

module.exports = { bootstrap, insertResponses, API_TOKEN_PERMISSIONS };
