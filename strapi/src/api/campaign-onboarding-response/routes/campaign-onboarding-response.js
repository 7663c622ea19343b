'use strict';

const { factories } = require('@strapi/strapi');

module.exports = factories.createCoreRouter('api::campaign-onboarding-response.campaign-onboarding-response');
