'use strict';

const seed = require('./seed');

module.exports = {
  register(/* { strapi } */) {},

  /**
   * Runs on every start and is idempotent: ensures the Admin and Client roles,
   * the read-only API token from STRAPI_API_TOKEN, and seeds the sample data
   * (plus SEED_RESPONSES extra rows) when the database has no client yet.
   */
  async bootstrap({ strapi }) {
    await seed.bootstrap(strapi);
  },
};
