// The CommonJS build, as a `require` user gets it (dist/cjs through the package's "exports").
const assert = require("node:assert/strict");
const { it } = require("node:test");

it("require('medical-insurance-sdk') loads the CommonJS build with every transaction", () => {
  const sdk = require("medical-insurance-sdk");
  assert.equal(typeof sdk.MedicalInsuranceSDK, "function");
  assert.equal(Object.keys(sdk.OPERATIONS).length, 206);
  assert.equal(typeof sdk.MedicalInsuranceSDK.prototype.outpatientSettle, "function");
  assert.equal(require.resolve("medical-insurance-sdk").includes("dist/cjs"), true);
  assert.equal(sdk.Decimal.from("0.1").plus("0.2").toString(), "0.3");
  const error = new sdk.OutcomeUnknownError("x", { msgid: "M" });
  assert.equal(error.retry, false);
  assert.ok(error instanceof sdk.MedicalInsuranceException);
});
