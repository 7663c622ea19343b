'use strict';

module.exports = [
  'strapi::logger',
  'strapi::errors',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
  'strapi::query',
  // Bodies up to 8 MB (Strapi's default is 1 MB): respondents' answers may be long, and the tests
  // store a 5 MB answer to show an export reads past it.
  { name: 'strapi::body', config: { jsonLimit: '8mb' } },
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
