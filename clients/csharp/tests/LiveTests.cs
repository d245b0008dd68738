// Tests against the live gateway the harness starts (clients/harness.py documents the variables): the embedded
// sandbox bureau answers, its fund split decides the amounts, and its fault rules lose an answer on purpose.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;

namespace MedicalInsurance.Sdk.Tests
{
    public static class LiveTests
    {
        // sandbox seed persons (src/medical_insurance_sdk/sandbox/seed.py): psn_no, certno, 个人账户余额
        private static readonly string[] LiNa = { "43000030281000129728", "430304198805170049", "2680.50" };
        private static readonly string[] LiuFang = { "43000030281000131754", "430321199211020087", "860.30" };
        private static readonly string[] ChenZhiqiang = { "43000030281000132767", "430381198303080097", "3055.75" };
        private static readonly string[] YangLi = { "43000030281000133780", "430382199507300128", "420.00" };
        private static readonly string[] ZhaoLei = { "43000030281000134793", "430302198612120130", "1999.99" };

        private static string Env(string name)
        {
            string value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(value)) throw new AssertionFailed(name + " is not set (run through clients/harness.py)");
            return value;
        }

        private static MedicalInsuranceSDK Hospital(string apiKey = null)
        {
            // env vars (§9.2.2) as a HIS would set them; an explicit key wins over the environment
            return MedicalInsuranceSDK.Create(apiKey: apiKey);
        }

        private static MedicalInsuranceSDK Pharmacy()
        {
            return MedicalInsuranceSDK.Create(apiKey: Env("MEDICAL_INSURANCE_PHARMACY_API_KEY"), institutionCode: Env("MEDICAL_INSURANCE_PHARMACY_CODE"));
        }

        private static int serial = (int)(DateTime.UtcNow.Ticks % 100000);

        private static string Now() { return DateTime.UtcNow.AddHours(8).ToString("yyyy-MM-dd HH:mm:ss"); }

        /// <summary>2201 → 2203 → 2204 (李娜's basket of the Python tests) → 2206; answers the visit and the pre-settlement.</summary>
        private static Tuple<string, SettlementResult> OpenVisit(MedicalInsuranceSDK sdk, string[] who)
        {
            RegisterResult reg = sdk.OutpatientRegister(new OutpatientRegisterRequest
            {
                Data = new OutpatientRegisterData
                {
                    PsnNo = who[0], Insutype = "310", Begntime = Now(), MdtrtCertType = "02", MdtrtCertNo = who[1],
                    IptOtpNo = "MZ" + (++serial).ToString("D8"), AtddrNo = "D430302000101", DrName = "李医生",
                    DeptCode = "NK01", DeptName = "普通内科", Caty = "A03",
                },
            });
            string mdtrtId = reg.RegisterId;
            Check.True(!string.IsNullOrEmpty(mdtrtId), "2201 answered a mdtrt_id");
            sdk.OutpatientVisitUpload(new OutpatientVisitUploadRequest
            {
                Mdtrtinfo = new OutpatientVisitUploadMdtrtinfo { MdtrtId = mdtrtId, PsnNo = who[0], MedType = "11", Begntime = Now(), MainCondDscr = "发热咳嗽三天" },
                Diseinfo = new List<OutpatientVisitUploadDiseinfo>
                {
                    new OutpatientVisitUploadDiseinfo
                    {
                        DiagType = "1", DiagSrtNo = 1, DiagCode = "J06.900", DiagName = "急性上呼吸道感染", DiagDept = "普通内科",
                        DiseDorNo = "D430302000101", DiseDorName = "李医生", DiagTime = Now(), ValiFlag = "1",
                    },
                },
            });
            var fees = new[]
            {
                Tuple.Create("F1", "001102000010000-110200001", 1m, 10.00m),
                Tuple.Create("F2", "XJ01CAA040A001010100001", 2m, 12.50m),
                Tuple.Create("F3", "XB05AAA010B002010100013", 4m, 420.00m),
                Tuple.Create("F4", "XA11JAF000A001010100015", 1m, 60.00m),
            };
            sdk.OutpatientExpenseUpload(new OutpatientExpenseUploadRequest
            {
                Feedetail = fees.Select(f => new OutpatientExpenseUploadFeedetail
                {
                    FeedetlSn = f.Item1 + serial, MdtrtId = mdtrtId, PsnNo = who[0], ChrgBchno = "B001", RxCircFlag = "0",
                    FeeOcurTime = Now(), MedListCodg = f.Item2, MedinsListCodg = "H" + f.Item2.Substring(0, 10),
                    DetItemFeeSumamt = f.Item3 * f.Item4, Cnt = f.Item3, Pric = f.Item4, BilgDeptCodg = "NK01",
                    BilgDeptName = "普通内科", BilgDrCodg = "D430302000101", BilgDrName = "李医生", HospApprFlag = "1",
                }).ToList(),
            });
            SettlementResult pre = sdk.OutpatientPreSettle(new OutpatientPreSettleRequest
            {
                Data = new OutpatientPreSettleData
                {
                    PsnNo = who[0], MdtrtCertType = "02", MdtrtCertNo = who[1], MedType = "11", MedfeeSumamt = fees.Sum(f => f.Item3 * f.Item4),
                    PsnSetlway = "01", MdtrtId = mdtrtId, ChrgBchno = "B001", Insutype = "310", AcctUsedFlag = "1",
                },
            });
            return Tuple.Create(mdtrtId, pre);
        }

        private static OutpatientSettleRequest SettleRequest(string[] who, string mdtrtId, SettlementResult pre)
        {
            return new OutpatientSettleRequest
            {
                Data = new OutpatientSettleData
                {
                    PsnNo = who[0], MdtrtCertType = "02", MdtrtCertNo = who[1], MedType = "11", MedfeeSumamt = pre.TotalAmount,
                    PsnSetlway = "01", MdtrtId = mdtrtId, ChrgBchno = "B001", Insutype = "310", AcctUsedFlag = "1",
                    FulamtOwnpayAmt = Json.ToDecimal(pre.Get("fulamt_ownpay_amt")), OverlmtSelfpay = Json.ToDecimal(pre.Get("overlmt_selfpay")),
                    PreselfpayAmt = Json.ToDecimal(pre.Get("preselfpay_amt")), InscpScpAmt = Json.ToDecimal(pre.Get("inscp_scp_amt")),
                },
            };
        }

        private static void Fault(string method, object body)
        {
            using (var http = new HttpClient())
            {
                var request = new HttpRequestMessage(new HttpMethod(method), Env("MEDICAL_INSURANCE_GATEWAY_ROOT") + "sandbox/admin/faults");
                request.Headers.TryAddWithoutValidation("X-API-Key", Env("MEDICAL_INSURANCE_ADMIN_API_KEY"));
                request.Headers.TryAddWithoutValidation("X-Institution-Code", Env("MEDICAL_INSURANCE_INSTITUTION_CODE"));
                if (body != null) request.Content = new StringContent(Json.Serialize(body), Encoding.UTF8, "application/json");
                HttpResponseMessage response = http.SendAsync(request).Result;
                Check.True((int)response.StatusCode < 300, "fault " + method + ": HTTP " + (int)response.StatusCode + " " + response.Content.ReadAsStringAsync().Result);
            }
        }

        public static IEnumerable<KeyValuePair<string, Action>> All()
        {
            var t = new List<KeyValuePair<string, Action>>();
            Action<string, Action> add = (name, body) => t.Add(new KeyValuePair<string, Action>("live: " + name, body));

            add("1101 person info by the spec's signature and by the typed request", () =>
            {
                using (var sdk = Hospital())
                {
                    PersonInfo p = sdk.QueryPersonInfo("02", LiNa[1], "李娜");
                    Check.Equal("李娜", p.Name, "name");
                    Check.Equal(LiNa[0], p.PersonNo, "psn_no");
                    Check.Equal(decimal.Parse(LiNa[2]), p.InsuranceBalance.Value, "balance exact");
                    Check.True(!string.IsNullOrEmpty(p.Msgid), "msgid");
                    PersonInfo q = sdk.QueryPersonInfoAsync(new QueryPersonInfoRequest
                    {
                        Data = new QueryPersonInfoData { MdtrtCertType = "02", MdtrtCertNo = YangLi[1], PsnCertType = "01" },
                    }).Result;
                    Check.Equal(YangLi[0], q.PersonNo, "async typed");
                    Result viaCall = sdk.Call("person_info", new Dictionary<string, object>
                        { { "mdtrt_cert_type", "02" }, { "mdtrt_cert_no", ZhaoLei[1] }, { "psn_cert_type", "01" } });
                    Check.Equal(ZhaoLei[0], viaCall.Get("psn_no"), "universal Call by interface_type with flat fields");
                }
            });

            string cancelledVisit = null, cancelledSettlement = null;
            add("outpatient 2201→2203→2204→2206→2207→2208 with the sandbox's exact amounts", () =>
            {
                using (var sdk = Hospital())
                {
                    var visit = OpenVisit(sdk, LiNa);
                    SettlementResult pre = visit.Item2;
                    Check.Equal(1775.00m, pre.TotalAmount.Value, "2206 medfee_sumamt = sum of the fee lines");
                    SettlementResult s = sdk.OutpatientSettle(SettleRequest(LiNa, visit.Item1, pre), new CallOptions { IdempotencyKey = "cs-" + visit.Item1 });
                    Check.True(!string.IsNullOrEmpty(s.SettlementId), "setl_id");
                    Check.Equal(pre.TotalAmount, s.TotalAmount, "2207 total = 2206 total");
                    Check.Equal(pre.InsuranceAmount, s.InsuranceAmount, "2207 fund = 2206 fund");
                    Check.Equal(s.TotalAmount.Value, s.InsuranceAmount.Value + s.CashAmount.Value + s.AccountAmount.Value, "total = fund + cash + account");
                    Check.Equal(s.TotalAmount.Value, s.InsuranceAmount.Value + s.PersonalAmount.Value, "total = fund + personal");
                    Check.Equal(1056.10m, s.Balance.Value, "account balance after 2207 (Python sandbox flow: 1056.10)");
                    Check.Equal(decimal.Parse(LiNa[2]) - s.AccountAmount.Value, s.Balance.Value, "balance = before − account pay");
                    Check.True(s.Raw is IDictionary<string, object>, "raw output");
                    SettlementResult c = sdk.OutpatientSettleCancel(new Dictionary<string, object>
                        { { "setl_id", s.SettlementId }, { "mdtrt_id", visit.Item1 }, { "psn_no", LiNa[0] } });
                    Check.Equal(decimal.Parse(LiNa[2]), c.Balance.Value, "2208 gives the account back exactly");
                    cancelledVisit = visit.Item1;
                    cancelledSettlement = s.SettlementId;
                }
            });

            add("pharmacy 2101→2102 with the pharmacy key", () =>
            {
                using (var sdk = Pharmacy())
                {
                    var items = new[] { Tuple.Create("P1", "XM01AEB040E001010100011", 2m, 11.20m), Tuple.Create("P2", "XB01ACA056A001010100002", 1m, 15.80m),
                        Tuple.Create("P3", "XA11JAF000A001010100015", 1m, 60.00m) };
                    Func<PharmacySettleRequest> purchase = () => new PharmacySettleRequest
                    {
                        Druginfo = new PharmacySettleDruginfo
                        {
                            PsnNo = LiuFang[0], MdtrtCertType = "02", MdtrtCertNo = LiuFang[1], Insutype = "310", MedType = "41",
                            MedfeeSumamt = 98.20m, AcctUsedFlag = "1", Begntime = Now(),
                        },
                        Drugdetail = items.Select(i => new PharmacySettleDrugdetail
                        {
                            FeedetlSn = i.Item1 + serial, MedListCodg = i.Item2, MedinsListCodg = "P" + i.Item1, Cnt = i.Item3, Pric = i.Item4,
                            DetItemFeeSumamt = i.Item3 * i.Item4, FeeOcurTime = Now(),
                        }).ToList(),
                    };
                    // other suites may have bought for her on this gateway already: compare with her balance now
                    decimal before = sdk.QueryPersonInfo("02", LiuFang[1]).InsuranceBalance.Value;
                    // 2101 through the dictionary overload (the same purchase as JSON), 2102 through the typed request
                    SettlementResult pre = sdk.PharmacyPreSettle((IDictionary<string, object>)Json.Parse(Json.Serialize(purchase())));
                    Check.Equal(98.20m, pre.TotalAmount.Value, "2101 total");
                    SettlementResult s = sdk.PharmacySettle(purchase());
                    Check.Equal(s.TotalAmount.Value, s.InsuranceAmount.Value + s.CashAmount.Value + s.AccountAmount.Value, "total = fund + cash + account");
                    Check.Equal(before - s.AccountAmount.Value, s.Balance.Value, "balance after 2102 = before - account part, exactly");
                    Check.Equal(pre.InsuranceAmount, s.InsuranceAmount, "2102 fund = 2101 fund");
                }
            });

            add("401 wrong key is an AuthenticationException", () =>
            {
                using (var sdk = Hospital("mik_wrong_key_for_the_test"))
                {
                    var e = Check.Throws<AuthenticationException>(() => sdk.QueryPersonInfo("02", LiNa[1]), "401");
                    Check.Equal(401, e.HttpStatus, "status");
                    Check.Equal(false, e.Retry, "retry");
                    Console.WriteLine("        401: " + e.Code + " " + e.Message);
                }
            });

            add("403 analyst key on a write is a PermissionDeniedException", () =>
            {
                using (var sdk = Hospital(Env("MEDICAL_INSURANCE_ANALYST_API_KEY")))
                {
                    var e = Check.Throws<PermissionDeniedException>(() => sdk.OutpatientRegister(new Dictionary<string, object> { { "psn_no", LiNa[0] } }), "403");
                    Check.Equal(10009, e.Code, "code");
                    Check.Equal(403, e.HttpStatus, "status");
                    Console.WriteLine("        403: " + e.Message);
                }
            });

            add("422 lists every missing field", () =>
            {
                using (var sdk = Hospital())
                {
                    var e = Check.Throws<DataValidationException>(() => sdk.OutpatientRegister(new OutpatientRegisterRequest
                        { Data = new OutpatientRegisterData { PsnNo = LiNa[0] } }), "422");
                    Check.Equal(422, e.HttpStatus, "status");
                    Check.True(e.Errors.Count >= 5, "several field errors: " + e.Errors.Count);
                    Check.True(e.Errors.Any(x => x.Code == 30002 && x.Path.Contains("dr_name")), "dr_name missing: " + string.Join("; ", e.Errors));
                }
            });

            add("business refusal: settling a cancelled visit again", () =>
            {
                Check.True(cancelledVisit != null, "the outpatient test cancelled a visit");
                using (var sdk = Hospital())
                {
                    var e = Check.Throws<MedicalInsuranceException>(() => sdk.OutpatientSettleCancel(new Dictionary<string, object>
                        { { "setl_id", cancelledSettlement }, { "mdtrt_id", cancelledVisit }, { "psn_no", LiNa[0] } }), "cancel twice");
                    Console.WriteLine("        refusal: " + e.GetType().Name + " " + e.Code + " HTTP " + e.HttpStatus + " " + e.Message);
                    Check.True(e is BusinessException, "a BusinessException: " + e.GetType().Name);
                    Check.True(e.HttpStatus == 409 || e.HttpStatus == 400 || e.HttpStatus == 422, "4xx: " + e.HttpStatus);
                    Check.Equal(false, e.Retry, "retry");
                }
            });

            add("2207 whose answer is lost (fault timeout_after) is OutcomeUnknown, retry false, sent once", () =>
            {
                using (var sdk = Hospital())
                {
                    var visit = OpenVisit(sdk, ChenZhiqiang);
                    Fault("POST", new Dictionary<string, object> { { "kind", "timeout_after" }, { "scope", "2207" }, { "count", 1 } });
                    var sleeps = new List<double>();
                    sdk.Sleep = (s, tk) => { sleeps.Add(s); return Task.FromResult(0); };
                    try
                    {
                        var e = Check.Throws<OutcomeUnknownException>(() => sdk.OutpatientSettle(SettleRequest(ChenZhiqiang, visit.Item1, visit.Item2),
                            // long enough for the gateway's own bureau timeout: its answer carries the msgid
                            new CallOptions { Timeout = 180 }), "lost answer");
                        Console.WriteLine("        unknown: " + e.Code + " HTTP " + e.HttpStatus + " msgid " + e.Msgid + " outcome " + e.Outcome + ": " + e.Message);
                        Check.Equal(false, e.Retry, "retry");
                        Check.True(!string.IsNullOrEmpty(e.Msgid), "msgid");
                        Check.True(e.Outcome == "unknown" || e.Outcome == "reversed", "outcome " + e.Outcome);
                        Check.Equal(0, sleeps.Count, "no second attempt");
                    }
                    finally { Fault("DELETE", null); }
                }
            });

            add("batch: two 1101 and one invalid operation through the gateway", () =>
            {
                using (var sdk = Hospital())
                {
                    var ops = new List<BatchOperation>
                    {
                        new BatchOperation { InterfaceType = "person_info", Sequence = 1, Data = new QueryPersonInfoRequest
                            { Data = new QueryPersonInfoData { MdtrtCertType = "02", MdtrtCertNo = YangLi[1], PsnCertType = "01" } } },
                        new BatchOperation { InterfaceType = "1101", Sequence = 2, Data = new Dictionary<string, object>
                            { { "data", new Dictionary<string, object> { { "mdtrt_cert_type", "02" }, { "mdtrt_cert_no", ZhaoLei[1] }, { "psn_cert_type", "01" } } } } },
                        new BatchOperation { InterfaceType = "1101", Sequence = 3, Data = new Dictionary<string, object>
                            { { "data", new Dictionary<string, object> { { "mdtrt_cert_type", "02" } } } } },
                    };
                    BatchResult r = sdk.BatchUpload(ops, stopOnError: false);
                    Console.WriteLine("        batch " + r.BatchId + ": " + r.SuccessCount + "/" + r.TotalCount + " " + r.Status);
                    Check.Equal(3, r.TotalCount, "total");
                    Check.Equal(2, r.SuccessCount, "success");
                    BatchItem bad = r.Items.Single(i => !i.Success);
                    Check.Equal(3, bad.Sequence, "failed sequence");
                    Check.True(bad.Exception is DataValidationException, "item exception: " + (bad.Exception == null ? "null" : bad.Exception.GetType().Name));
                    BatchItem first = r.Items.Single(i => i.Sequence == 1);
                    Check.Equal(YangLi[0], Paths.Deep(first.Output, "psn_no"), "output of op 1");
                }
            });

            add("async task: a 1101 created, waited for, its result read", () =>
            {
                using (var sdk = Hospital())
                {
                    TaskInfo task = sdk.CreateTask("transaction", new Dictionary<string, object>
                    {
                        { "interface_type", "person_info" },
                        { "data", new Dictionary<string, object> { { "data", new Dictionary<string, object>
                            { { "mdtrt_cert_type", "02" }, { "mdtrt_cert_no", LiuFang[1] }, { "psn_cert_type", "01" } } } } },
                    });
                    Check.True(!string.IsNullOrEmpty(task.TaskId), "task id");
                    TaskInfo done = sdk.WaitTask(task.TaskId, 60, 0.5);
                    Console.WriteLine("        task " + done.TaskId + ": " + done.Status + " " + done.Progress + "%");
                    Check.Equal("completed", done.Status, "status");
                    Check.Equal(LiuFang[0], Paths.Deep(done.Result, "psn_no"), "result");
                }
            });

            add("universal query and gateway files", () =>
            {
                using (var sdk = Hospital())
                {
                    GatewayAnswer log = sdk.UniversalQuery("call_log", new Dictionary<string, object> { { "interface_type", new List<object> { "person_info" } } });
                    var rows = log.Data as IList<object>;
                    Check.True(rows != null && rows.Count > 0, "call log rows");
                    byte[] content = Encoding.UTF8.GetBytes("feedetl_sn,cnt,pric\nF1,2,12.50\n");
                    StoredFile stored = sdk.UploadGatewayFile(content, "fees.csv");
                    Check.True(!string.IsNullOrEmpty(stored.FileId), "file id");
                    Check.Equal((long)content.Length, stored.Size, "size");
                    Check.True(content.SequenceEqual(sdk.DownloadGatewayFile(stored.FileId)), "same bytes back");
                }
            });

            add("spec §11.2.3 complete example compiles and runs against the gateway", () =>
            {
                string exe = Environment.GetEnvironmentVariable("CS_EXAMPLE_EXE");
                Check.True(exe != null && File.Exists(exe), "CS_EXAMPLE_EXE built by run-tests.sh");
                string config = Path.Combine(Path.GetTempPath(), "cs-example-" + Guid.NewGuid().ToString("N") + ".json");
                File.WriteAllText(config, Json.Serialize(new Dictionary<string, object>
                {
                    { "medical_insurance", new Dictionary<string, object>
                        {
                            { "api_base_url", Env("MEDICAL_INSURANCE_API_URL") }, { "api_key", Env("MEDICAL_INSURANCE_API_KEY") },
                            { "institution_code", Env("MEDICAL_INSURANCE_INSTITUTION_CODE") }, { "timeout", 30 },
                            { "retry", new Dictionary<string, object> { { "max_attempts", 3 }, { "backoff_factor", 1.5m } } },
                        } },
                }), new UTF8Encoding(false));
                var start = new ProcessStartInfo("mono", "\"" + exe + "\" \"" + config + "\"")
                    { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
                using (Process p = Process.Start(start))
                {
                    string output = p.StandardOutput.ReadToEnd();
                    string errors = p.StandardError.ReadToEnd();
                    p.WaitForExit();
                    File.Delete(config);
                    Console.Write(string.Join("", output.Split('\n').Where(l => l.Length > 0).Select(l => "        | " + l + "\n")));
                    Check.Equal(0, p.ExitCode, "exit code (stderr: " + errors + ")");
                    foreach (string line in new[] { "患者信息: 张三", "挂号成功: ", "门诊结算完成: ", "入院办理完成: ", "患者3: ", "批量操作: 2/2 成功" })
                        Check.True(output.Contains(line), "output has " + line);
                }
            });
            return t;
        }
    }
}
