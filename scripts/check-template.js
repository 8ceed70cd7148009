#!/usr/bin/env node
'use strict';
// Checks a packaged CloudFormation template against the CloudFormation resource specification
// (@aws-cdk/aws-service-spec's db.json.gz) before anything is deployed: unknown resource types,
// unknown or missing required properties (nested ones too), Fn::GetAtt of attributes the type
// does not have, Ref / Fn::GetAtt / Fn::Sub / DependsOn naming no resource or parameter, and
// conditions that do not exist. `node scripts/check-template.js [template.json]` exits 1 and
// prints one line per error; CI runs it after `npm run package`.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const DEFAULT_TEMPLATE = path.join(__dirname, '..', '.serverless', 'cloudformation-template-update-stack.json');

/** The resource types and the property types they use, indexed for lookups. */
function loadSpec() {
  const file = require.resolve('@aws-cdk/aws-service-spec/db.json.gz');
  const db = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
  const resources = new Map(db.schema.resource.entities.map((e) => [e.cloudFormationType, e]));
  const types = new Map(db.schema.typeDefinition.entities.map((e) => [e.$id, e]));
  return { resources, types };
}

const isIntrinsic = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && /^(Ref|Fn::.+|Condition)$/.test(Object.keys(v)[0]);
const isCustom = (type) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';

/** The properties of `value` against `type` (a spec type), nested structures included. */
function checkValue(spec, type, value, where, errors) {
  if (value === undefined || value === null || isIntrinsic(value) || !type) return;
  if (type.type === 'array' && Array.isArray(value)) value.forEach((v, i) => checkValue(spec, type.element, v, `${where}[${i}]`, errors));
  else if (type.type === 'map' && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkValue(spec, type.element, v, `${where}.${k}`, errors);
  else if (type.type === 'ref') {
    const def = spec.types.get(type.reference.$ref);
    if (def && typeof value === 'object' && !Array.isArray(value)) checkProperties(spec, def.properties || {}, value, where, errors);
  }
}

function checkProperties(spec, properties, value, where, errors) {
  for (const [name, prop] of Object.entries(properties)) {
    if (prop.required && !(name in value)) errors.push(`${where}: required property ${name} is missing`);
  }
  for (const [name, v] of Object.entries(value)) {
    const prop = properties[name];
    if (!prop) errors.push(`${where}: unknown property ${name}`);
    else checkValue(spec, prop.type, v, `${where}.${name}`, errors);
  }
}

/** Every Ref, Fn::GetAtt, Fn::Sub name and Fn::If / Condition condition in a value. */
function references(value, out = { refs: [], getAtts: [], conditions: [] }) {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.refs.push(v);
      else if (k === 'Fn::GetAtt') {
        const [id, ...attr] = Array.isArray(v) ? v : String(v).split('.');
        if (typeof id === 'string') out.getAtts.push([id, attr.join('.')]);
        if (Array.isArray(v)) references(v.slice(1), out);
      } else if (k === 'Fn::Sub') {
        const [text, vars] = Array.isArray(v) ? v : [v, {}];
        for (const m of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const [id, ...attr] = m[1].split('.');
          if (vars && id in vars) continue;
          if (attr.length) out.getAtts.push([id, attr.join('.')]);
          else out.refs.push(id);
        }
        if (vars) references(vars, out);
      } else if (k === 'Fn::If' && Array.isArray(v)) {
        out.conditions.push(v[0]);
        references(v.slice(1), out);
      } else if (k === 'Condition' && typeof v === 'string') out.conditions.push(v);
      else references(v, out);
    }
  }
  return out;
}

/** The errors of a template, one line each; none when it fits the specification. */
function checkTemplate(template, spec = loadSpec()) {
  const errors = [];
  const resources = template.Resources || {};
  const names = new Set([...Object.keys(resources), ...Object.keys(template.Parameters || {})]);
  const conditions = new Set(Object.keys(template.Conditions || {}));
  const checkRefs = (where, value) => {
    const r = references(value);
    for (const id of r.refs) if (!names.has(id) && !id.startsWith('AWS::')) errors.push(`${where}: Ref ${id} names no resource or parameter`);
    for (const c of r.conditions) if (!conditions.has(c)) errors.push(`${where}: condition ${c} does not exist`);
    for (const [id, attr] of r.getAtts) {
      const target = resources[id];
      if (!target) {
        errors.push(`${where}: Fn::GetAtt ${id}.${attr} names no resource`);
        continue;
      }
      const type = spec.resources.get(target.Type);
      if (type && !isCustom(target.Type) && !(attr in (type.attributes || {}))) {
        errors.push(`${where}: Fn::GetAtt ${id}.${attr}: ${target.Type} has no attribute ${attr} (it has ${Object.keys(type.attributes || {}).join(', ') || 'none'})`);
      }
    }
  };
  for (const [id, resource] of Object.entries(resources)) {
    const where = `${id} (${resource.Type})`;
    const type = spec.resources.get(resource.Type);
    if (!type && !isCustom(resource.Type)) errors.push(`${where}: unknown resource type ${resource.Type}`);
    else if (type) checkProperties(spec, type.properties || {}, resource.Properties || {}, where, errors);
    const dependsOn = [].concat(resource.DependsOn || []);
    for (const dep of dependsOn) if (!resources[dep]) errors.push(`${where}: DependsOn ${dep} names no resource`);
    if (resource.Condition !== undefined && !conditions.has(resource.Condition)) errors.push(`${where}: condition ${resource.Condition} does not exist`);
    checkRefs(where, resource.Properties || {});
  }
  for (const [id, output] of Object.entries(template.Outputs || {})) {
    checkRefs(`output ${id}`, output.Value);
    if (output.Condition !== undefined && !conditions.has(output.Condition)) errors.push(`output ${id}: condition ${output.Condition} does not exist`);
  }
  for (const [id, condition] of Object.entries(template.Conditions || {})) checkRefs(`condition ${id}`, condition);
  return errors;
}

module.exports = { checkTemplate, loadSpec, DEFAULT_TEMPLATE };

if (require.main === module) {
  const file = process.argv[2] || DEFAULT_TEMPLATE;
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  const errors = checkTemplate(template);
  for (const e of errors) console.error(`check-template: ${e}`);
  if (errors.length) process.exit(1);
  console.log(`check-template: ${Object.keys(template.Resources || {}).length} resources fit the CloudFormation resource specification`);
}
