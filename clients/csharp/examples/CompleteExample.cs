// examples/csharp/CompleteMedicalInsuranceExample.cs
//
// 规范 §11.2.3 的 C# 完整示例。凡与规范原文不同之处都标有「// 与规范不同：」并写明原因；其余照抄规范。
//
//   mcs -r:System.Net.Http.dll -r:MedicalInsurance.Sdk.dll CompleteExample.cs && mono CompleteExample.exe config.json
//
// 配置文件（规范 §9.2.1 格式）依次取：命令行第一个参数、环境变量 MEDICAL_INSURANCE_SDK_CONFIG、当前目录的
// config.json；环境变量 MEDICAL_INSURANCE_API_URL 等（§9.2.2）优先于文件。对着内嵌医保沙箱的网关运行。
using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
// 与规范不同：规范写 MedicalInsurance.SDK、.Models、.Exceptions 三个命名空间；C# 客户端只有一个命名空间
// MedicalInsurance.Sdk（.NET 命名约定：三个以上字母的缩写只大写首字母），请求、结果和异常都在里面。
using MedicalInsurance.Sdk;

namespace MedicalInsurance.Examples
{
    class CompleteMedicalInsuranceExample
    {
        // 与规范不同：规范里的身份证号 430281199001010001 等是虚构的，医保局（沙箱同样）答「该参保人的基本信息为空」。
        // 这里用沙箱种子数据里的真实参保人；规范示例里的人员编号 43000030281000128715 正是其中的张三。
        private const string ZhangSanCertNo = "430302199001010017";
        private const string ZhangSanPsnNo = "43000030281000128715";
        // 与规范不同：AsyncExamples 的三位患者换成沙箱里的张三、李娜、王建国。
        private static readonly string[] SandboxCertNos = { "430302199001010017", "430304198805170049", "430302197509230054" };
        // 与规范不同：规范用证件类型 "01" 配身份证号，但就诊凭证类型 01 是「医保电子凭证」，身份证是 02。
        private const string CertTypeIdCard = "02";

        // 与规范不同：规范写 new MedicalInsuranceSDK("config.json") 的静态字段；这里在 Main 里按命令行参数或环境
        // 变量找配置文件再创建，测试（或运维）可以把示例指向任意一个网关。
        private static MedicalInsuranceSDK sdk;

        // 与规范不同：规范写 static async Task Main；Mono 的 mcs 编译器不支持 C# 7.1 的 async Main，这里用同步 Main
        // 等待 RunAsync（在 .NET 6 上两种写法都可以）。失败时退出码为 1（规范只打印），脚本和测试才看得出示例没跑通。
        static int Main(string[] args)
        {
            string configPath = args.Length > 0 ? args[0]
                : Environment.GetEnvironmentVariable("MEDICAL_INSURANCE_SDK_CONFIG") ?? "config.json";
            sdk = new MedicalInsuranceSDK(configPath);
            return RunAsync().GetAwaiter().GetResult();
        }

        static async Task<int> RunAsync()
        {
            try
            {
                // 基础信息服务示例
                await BasicInfoExamples();

                // 医保业务服务示例
                await BusinessServiceExamples();

                // 异步操作示例
                await AsyncExamples();

                // 批量操作示例
                await BatchOperationExamples();
            }
            catch (MedicalInsuranceException ex)
            {
                Console.WriteLine($"医保接口调用失败: {ex.Message}");
                // 与规范不同：返回 1，见 Main。结果未知（OutcomeUnknownException）时 ex.Retry 恒为 false：先查询确认。
                return 1;
            }
            return 0;
        }

        private static async Task BasicInfoExamples()
        {
            Console.WriteLine("=== 基础信息服务示例 ===");

            // 【1101】人员基本信息获取
            // 与规范不同：证件类型 "02"、张三的真实身份证号，见上面的常量。
            var patient = await sdk.QueryPersonInfoAsync(CertTypeIdCard, ZhangSanCertNo, "张三");
            Console.WriteLine($"患者信息: {patient.Name}, 医保余额: {patient.InsuranceBalance}");

            // 【1301】西药中成药目录下载
            // 与规范不同：目录下载的方法按生成的请求类型传参（data.ver），医保局答的是文件查询号与记录数
            // （FileQueryResult），文件本身用 9102 DownloadFile 取；所以打印 DataCount 而不是列表的 Count。
            var drugCatalog = await sdk.DownloadDrugCatalogAsync(new DownloadDrugCatalogRequest
            {
                Data = new DownloadDrugCatalogData { Ver = "1.0" },
            });
            Console.WriteLine($"药品目录: 共{drugCatalog.DataCount}条记录");

            // 【1201】医药机构信息获取
            var institution = await sdk.QueryInstitutionInfoAsync("H43028110001");
            Console.WriteLine($"机构信息: {institution.Name}");
        }

        private static async Task BusinessServiceExamples()
        {
            Console.WriteLine("=== 医保业务服务示例 ===");

            // 【2001】人员待遇享受检查
            var benefitResult = await sdk.BenefitCheckAsync(
                "43000030281000128715",
                new List<string> { "drug_limit", "treatment_limit" }
            );
            Console.WriteLine($"待遇检查结果: {benefitResult.Status}");

            // 门诊业务流程
            await OutpatientExamples();

            // 住院业务流程
            await InpatientExamples();
        }

        private static string Now()
        {
            // 与规范不同（新增）：医保局的时间是北京时间的 "yyyy-MM-dd HH:mm:ss"。
            return DateTime.UtcNow.AddHours(8).ToString("yyyy-MM-dd HH:mm:ss");
        }

        private static async Task OutpatientExamples()
        {
            Console.WriteLine("--- 门诊业务流程 ---");

            // 【2201】门诊挂号
            // 与规范不同：规范的 OutpatientRegisterRequest 只有 PersonNo、DeptCode、DoctorCode；生成的请求类型照医保局
            // 报文（全国接口规范 2201 的 data 节点）写，必填的还有险种、开始时间、就诊凭证、门诊号、医师姓名、科室名称和科别。
            var registerRequest = new OutpatientRegisterRequest
            {
                Data = new OutpatientRegisterData
                {
                    PsnNo = "43000030281000128715",
                    DeptCode = "001",
                    AtddrNo = "DOC001",
                    Insutype = "310", Begntime = Now(), MdtrtCertType = CertTypeIdCard, MdtrtCertNo = ZhangSanCertNo,
                    IptOtpNo = "MZ" + DateTime.UtcNow.Ticks % 100000000, DrName = "李医生", DeptName = "普通内科", Caty = "A03",
                },
            };

            var registerResult = await sdk.OutpatientRegisterAsync(registerRequest);
            Console.WriteLine($"挂号成功: {registerResult.RegisterId}");

            // 与规范不同（新增）：规范挂号后直接结算，但医保局结算前要有就诊信息（2203）、费用明细（2204）和
            // 预结算（2206）：结算报文里的金额分项（全自费、超限价、先行自付、符合范围）是预结算算出来的。
            string visitId = registerResult.RegisterId;
            await sdk.OutpatientVisitUploadAsync(new OutpatientVisitUploadRequest
            {
                Mdtrtinfo = new OutpatientVisitUploadMdtrtinfo { MdtrtId = visitId, PsnNo = ZhangSanPsnNo, MedType = "11", Begntime = Now() },
                Diseinfo = new List<OutpatientVisitUploadDiseinfo>
                {
                    new OutpatientVisitUploadDiseinfo
                    {
                        DiagType = "1", DiagSrtNo = 1, DiagCode = "J06.900", DiagName = "急性上呼吸道感染", DiagDept = "普通内科",
                        DiseDorNo = "DOC001", DiseDorName = "李医生", DiagTime = Now(), ValiFlag = "1",
                    },
                },
            });
            await sdk.OutpatientExpenseUploadAsync(new OutpatientExpenseUploadRequest
            {
                Feedetail = new List<OutpatientExpenseUploadFeedetail>
                {
                    new OutpatientExpenseUploadFeedetail
                    {
                        FeedetlSn = "FY" + visitId, MdtrtId = visitId, PsnNo = ZhangSanPsnNo, ChrgBchno = "SF" + visitId,
                        RxCircFlag = "0", FeeOcurTime = Now(), MedListCodg = "XJ01CAA040A001010100001", MedinsListCodg = "YP-AMOXICILLIN",
                        Cnt = 2m, Pric = 12.50m, DetItemFeeSumamt = 25.00m, BilgDeptCodg = "001", BilgDeptName = "普通内科",
                        BilgDrCodg = "DOC001", BilgDrName = "李医生", HospApprFlag = "1",
                    },
                },
            });
            var preSettle = await sdk.OutpatientPreSettleAsync(new OutpatientPreSettleRequest
            {
                Data = new OutpatientPreSettleData
                {
                    PsnNo = ZhangSanPsnNo, MdtrtCertType = CertTypeIdCard, MdtrtCertNo = ZhangSanCertNo, MedType = "11",
                    MedfeeSumamt = 25.00m, PsnSetlway = "01", MdtrtId = visitId, ChrgBchno = "SF" + visitId, Insutype = "310",
                    AcctUsedFlag = "1",
                },
            });
            Console.WriteLine($"门诊预结算: 医保支付 {preSettle.InsuranceAmount}");

            // 【2207】门诊结算
            // 与规范不同：规范只传挂号ID；医保局的结算报文要重复预结算的总额和分项（都是 decimal，不经过浮点数）。
            var settleResult = await sdk.OutpatientSettleAsync(new OutpatientSettleRequest
            {
                Data = new OutpatientSettleData
                {
                    PsnNo = ZhangSanPsnNo, MdtrtCertType = CertTypeIdCard, MdtrtCertNo = ZhangSanCertNo, MedType = "11",
                    MedfeeSumamt = preSettle.TotalAmount, PsnSetlway = "01", MdtrtId = visitId, ChrgBchno = "SF" + visitId,
                    Insutype = "310", AcctUsedFlag = "1",
                    FulamtOwnpayAmt = Json.ToDecimal(preSettle.Get("fulamt_ownpay_amt")),
                    OverlmtSelfpay = Json.ToDecimal(preSettle.Get("overlmt_selfpay")),
                    PreselfpayAmt = Json.ToDecimal(preSettle.Get("preselfpay_amt")),
                    InscpScpAmt = Json.ToDecimal(preSettle.Get("inscp_scp_amt")),
                },
            });
            Console.WriteLine($"门诊结算完成: {settleResult.SettlementId}");
        }

        private static async Task InpatientExamples()
        {
            Console.WriteLine("--- 住院业务流程 ---");

            // 【2401】入院办理
            // 与规范不同：规范的 InpatientAdmissionRequest 只有 PersonNo、DeptCode、WardCode、BedNo；医保局的入院报文
            // （2401 的 mdtrtinfo 与 diseinfo 节点）还必须有险种、入院时间、就诊凭证、住院号、经治医师、入院诊断和
            // 主诊断——谁也替不了医生下诊断。病区（WardCode）不是 2401 的字段，不传。
            var diagnosis = new InpatientAdmissionDiseinfo
            {
                PsnNo = ZhangSanPsnNo, DiagType = "1", MaindiagFlag = "1", DiagSrtNo = 1, DiagCode = "K35.800", DiagName = "急性阑尾炎",
                DiagDept = "普通外科", DiseDorNo = "DOC001", DiseDorName = "张医生", DiagTime = Now(),
            };
            var admissionRequest = new InpatientAdmissionRequest
            {
                Mdtrtinfo = new InpatientAdmissionMdtrtinfo
                {
                    PsnNo = "43000030281000128715",
                    AdmDeptCodg = "001",
                    AdmBed = "001-01",
                    Insutype = "310", Begntime = Now(), MdtrtCertType = CertTypeIdCard, MdtrtCertNo = ZhangSanCertNo, MedType = "21",
                    IptNo = "ZY" + DateTime.UtcNow.Ticks % 100000000, AtddrNo = "DOC001", ChfpdrName = "张医生", AdmDiagDscr = "转移性右下腹痛",
                    AdmDeptName = "普通外科", DscgMaindiagCode = "K35.800", DscgMaindiagName = "急性阑尾炎",
                },
                Diseinfo = new List<InpatientAdmissionDiseinfo> { diagnosis },
            };

            var admissionResult = await sdk.InpatientAdmissionAsync(admissionRequest);
            Console.WriteLine($"入院办理完成: {admissionResult.AdmissionId}");

            // 与规范不同（新增）：规范入院后直接结算；医保局要先有费用明细（2301）、出院办理（2402）和预结算（2303）。
            // 2303 的金额分项由 2301 应答里每条明细的分级相加得到。
            string admissionId = admissionResult.AdmissionId;
            var fees = await sdk.InpatientExpenseUploadAsync(new InpatientExpenseUploadRequest
            {
                Feedetail = new List<InpatientExpenseUploadFeedetail>
                {
                    new InpatientExpenseUploadFeedetail
                    {
                        FeedetlSn = "ZYFY" + admissionId, MdtrtId = admissionId, PsnNo = ZhangSanPsnNo, FeeOcurTime = Now(),
                        MedListCodg = "003310003010000-331003001", MedinsListCodg = "SS-APPENDECTOMY", Cnt = 1m, Pric = 1200.00m,
                        DetItemFeeSumamt = 1200.00m, BilgDeptCodg = "001", BilgDeptName = "普通外科", BilgDrCodg = "DOC001",
                        BilgDrName = "张医生", MedType = "21", HospApprFlag = "1",
                    },
                },
            });
            Func<string, decimal> sum = field => fees.Rows("result").Sum(row => Json.ToDecimal(Paths.Find(row, field)) ?? 0m);
            await sdk.InpatientDischargeAsync(new InpatientDischargeRequest
            {
                Dscginfo = new InpatientDischargeDscginfo
                {
                    MdtrtId = admissionId, PsnNo = ZhangSanPsnNo, Insutype = "310", Endtime = Now(), DscgDeptCodg = "001",
                    DscgDeptName = "普通外科", DscgWay = "1",
                },
                Diseinfo = new List<InpatientDischargeDiseinfo>
                {
                    new InpatientDischargeDiseinfo
                    {
                        PsnNo = ZhangSanPsnNo, DiagType = "1", MaindiagFlag = "1", DiagSrtNo = 1, DiagCode = "K35.800",
                        DiagName = "急性阑尾炎", DiagDept = "普通外科", DiseDorNo = "DOC001", DiseDorName = "张医生", DiagTime = Now(),
                    },
                },
            });
            Func<InpatientSettleData> settleData = () => new InpatientSettleData
            {
                PsnNo = ZhangSanPsnNo, MdtrtCertType = CertTypeIdCard, MdtrtCertNo = ZhangSanCertNo, MedfeeSumamt = sum("det_item_fee_sumamt"),
                PsnSetlway = "01", MdtrtId = admissionId, Insutype = "310", AcctUsedFlag = "1", MidSetlFlag = "0",
                FulamtOwnpayAmt = sum("fulamt_ownpay_amt"), OverlmtSelfpay = sum("overlmt_amt"), PreselfpayAmt = sum("preselfpay_amt"),
                InscpScpAmt = sum("inscp_scp_amt"),
            };
            var pre = settleData();
            await sdk.InpatientPreSettleAsync(new Dictionary<string, object> { { "data", pre } });

            // 【2304】住院结算
            // 与规范不同：规范只传入院ID；医保局的结算报文要总额与金额分项，同预结算。
            var settleResult = await sdk.InpatientSettleAsync(new InpatientSettleRequest { Data = settleData() });
            Console.WriteLine($"住院结算完成: {settleResult.SettlementId}");
        }

        private static async Task AsyncExamples()
        {
            Console.WriteLine("=== 异步操作示例 ===");

            // 与规范不同：三位患者换成沙箱里的参保人，见 SandboxCertNos。
            var patients = new List<string>(SandboxCertNos);

            var tasks = patients.Select(certNo =>
                sdk.QueryPersonInfoAsync(CertTypeIdCard, certNo, "")  // 与规范不同：证件类型 "02"，见上
            ).ToArray();

            var results = await Task.WhenAll(tasks);

            for (int i = 0; i < results.Length; i++)
            {
                Console.WriteLine($"患者{i + 1}: {results[i].Name}");
            }
        }

        private static async Task BatchOperationExamples()
        {
            Console.WriteLine("=== 批量操作示例 ===");

            // 与规范不同：规范的两步是对虚构就诊 "V001" 的费用上传与结算，Data 只有 visit_id。C# 客户端把 Data 原样
            // 作为医保局报文交给网关，所以这里开一次真实的挂号，批量上传它的费用明细（2204）再做预结算（2206）：
            // 正式结算（2207）要重复预结算算出的分项，不能与预结算放在同一批里事先写好。
            var register = await sdk.OutpatientRegisterAsync(new Dictionary<string, object>
            {
                { "psn_no", ZhangSanPsnNo }, { "insutype", "310" }, { "begntime", Now() }, { "mdtrt_cert_type", CertTypeIdCard },
                { "mdtrt_cert_no", ZhangSanCertNo }, { "ipt_otp_no", "MZB" + DateTime.UtcNow.Ticks % 100000000 },
                { "atddr_no", "DOC001" }, { "dr_name", "李医生" }, { "dept_code", "001" }, { "dept_name", "普通内科" }, { "caty", "A03" },
            });
            string visitId = register.RegisterId;
            var operations = new List<BatchOperation>
            {
                new BatchOperation
                {
                    InterfaceType = "outpatient_expense_upload",
                    Data = new Dictionary<string, object>
                    {
                        { "feedetail", new List<object>
                            {
                                new Dictionary<string, object>
                                {
                                    { "feedetl_sn", "FYB" + visitId }, { "mdtrt_id", visitId }, { "psn_no", ZhangSanPsnNo },
                                    { "chrg_bchno", "SFB" + visitId }, { "rx_circ_flag", "0" }, { "fee_ocur_time", Now() },
                                    { "med_list_codg", "XB01ACA056A001010100002" }, { "medins_list_codg", "YP-ASPIRIN-100" },
                                    { "cnt", 1m }, { "pric", 15.80m }, { "det_item_fee_sumamt", 15.80m }, { "bilg_dept_codg", "001" },
                                    { "bilg_dept_name", "普通内科" }, { "bilg_dr_codg", "DOC001" }, { "bilg_dr_name", "李医生" },
                                    { "hosp_appr_flag", "1" },
                                },
                            } },
                    },
                    Sequence = 1
                },
                new BatchOperation
                {
                    InterfaceType = "outpatient_pre_settle",  // 与规范不同：outpatient_settle 换成预结算，见上
                    Data = new Dictionary<string, object>
                    {
                        { "psn_no", ZhangSanPsnNo }, { "mdtrt_cert_type", CertTypeIdCard }, { "mdtrt_cert_no", ZhangSanCertNo },
                        { "med_type", "11" }, { "medfee_sumamt", 15.80m }, { "psn_setlway", "01" }, { "mdtrt_id", visitId },
                        { "chrg_bchno", "SFB" + visitId }, { "insutype", "310" }, { "acct_used_flag", "1" },
                    },
                    Sequence = 2
                }
            };

            var batchResult = await sdk.BatchUploadAsync(operations);
            Console.WriteLine($"批量操作: {batchResult.SuccessCount}/{batchResult.TotalCount} 成功");
        }
    }
}
