// 规范 §11.2.3 的 C# 完整示例移植到 Delphi（规范没有 Delphi 的完整示例）。凡与规范原文不同之处都标有
// 「// 与规范不同：」并写明原因；其余照规范的步骤与输出。
//
//   fpc -Mdelphi -Fu../src -Fu../src/Generated CompleteExample.dpr && ./CompleteExample config.json
//
// 配置文件（规范 §9.2.1 格式）依次取：命令行第一个参数、环境变量 MEDICAL_INSURANCE_SDK_CONFIG、当前目录的
// config.json；环境变量 MEDICAL_INSURANCE_API_URL 等（§9.2.2）优先于文件。对着内嵌医保沙箱的网关运行。
program CompleteExample;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}
{$APPTYPE CONSOLE}

uses
  SysUtils, MedicalInsurance.Json, MedicalInsurance.Decimal, MedicalInsurance.Errors, MedicalInsurance.Nodes, MedicalInsurance.Core,
  MedicalInsurance.Generated.Requests, MedicalInsurance.Generated.Results, MedicalInsurance.SDK;

const
  // 与规范不同：规范里的身份证号 430281199001010001 等是虚构的，医保局（沙箱同样）答「该参保人的基本信息为空」。
  // 这里用沙箱种子数据里的真实参保人；规范示例里的人员编号 43000030281000128715 正是其中的张三。
  ZhangSanCertNo = '430302199001010017';
  ZhangSanPsnNo = '43000030281000128715';
  // 与规范不同：AsyncExamples 的三位患者换成沙箱里的张三、李娜、王建国。
  SandboxCertNos: array[0..2] of string = ('430302199001010017', '430304198805170049', '430302197509230054');
  // 与规范不同：规范用证件类型 "01" 配身份证号，但就诊凭证类型 01 是「医保电子凭证」，身份证是 02。
  CertTypeIdCard = '02';

var
  // 与规范不同：规范写 new MedicalInsuranceSDK("config.json") 的静态字段；这里在主程序里按命令行参数或环境
  // 变量找配置文件再创建，测试（或运维）可以把示例指向任意一个网关。
  Sdk: TMedicalInsuranceSDK;

function Serial: string;
begin
  Result := IntToStr(Round(Frac(Now) * 86400000) mod 100000000);
end;

procedure BasicInfoExamples;
var
  Patient: TPersonInfo;
  Catalog: TDownloadDrugCatalogRequest;
  DrugCatalog: TFileQueryResult;
  Institution: TInstitutionInfo;
begin
  Writeln('=== 基础信息服务示例 ===');

  // 【1101】人员基本信息获取
  // 与规范不同：证件类型 "02"、张三的真实身份证号，见上面的常量。
  Patient := Sdk.QueryPersonInfo(CertTypeIdCard, ZhangSanCertNo, '张三');
  // 与规范不同：余额是 Currency（定点数，不经过浮点），用 CurrencyToDecimal 按医保局的两位小数打印。
  Writeln('患者信息: ', Patient.Name, ', 医保余额: ', CurrencyToDecimal(Patient.InsuranceBalance));
  Patient.Free;

  // 【1301】西药中成药目录下载
  // 与规范不同：目录下载的方法按生成的请求类型传参（data.ver），医保局答的是文件查询号与记录数
  // （TFileQueryResult），文件本身用 9102 DownloadFile 取；所以打印 DataCount 而不是列表的 Count。
  Catalog := TDownloadDrugCatalogRequest.Create;
  Catalog.Data.Ver := '1.0';
  DrugCatalog := Sdk.DownloadDrugCatalog(Catalog);
  Writeln('药品目录: 共', DrugCatalog.FriendlyText(3), '条记录');
  DrugCatalog.Free;
  Catalog.Free;

  // 【1201】医药机构信息获取
  Institution := Sdk.QueryInstitutionInfo('H43028110001');
  Writeln('机构信息: ', Institution.Name);
  Institution.Free;
end;

procedure OutpatientExamples;
var
  RegisterRequest: TOutpatientRegisterRequest;
  RegisterResult: TRegisterResult;
  VisitId: string;
  Visit: TOutpatientVisitUploadRequest;
  Dise: TOutpatientVisitUploadDiseinfo;
  Fees: TOutpatientExpenseUploadRequest;
  Fee: TOutpatientExpenseUploadFeedetail;
  PreRequest: TOutpatientPreSettleRequest;
  PreSettle, SettleResult: TSettlementResult;
  Settle: TOutpatientSettleRequest;
begin
  Writeln('--- 门诊业务流程 ---');

  // 【2201】门诊挂号
  // 与规范不同：规范的 OutpatientRegisterRequest 只有 PersonNo、DeptCode、DoctorCode；生成的请求类型照医保局
  // 报文（全国接口规范 2201 的 data 节点）写，必填的还有险种、开始时间、就诊凭证、门诊号、医师姓名、科室名称和科别。
  RegisterRequest := TOutpatientRegisterRequest.Create;
  RegisterRequest.Data.PsnNo := '43000030281000128715';
  RegisterRequest.Data.DeptCode := '001';
  RegisterRequest.Data.AtddrNo := 'DOC001';
  RegisterRequest.Data.Insutype := '310';
  RegisterRequest.Data.Begntime := BeijingNow;   // 与规范不同（新增）：医保局的时间是北京时间
  RegisterRequest.Data.MdtrtCertType := CertTypeIdCard;
  RegisterRequest.Data.MdtrtCertNo := ZhangSanCertNo;
  RegisterRequest.Data.IptOtpNo := 'MZ' + Serial;
  RegisterRequest.Data.DrName := '李医生';
  RegisterRequest.Data.DeptName := '普通内科';
  RegisterRequest.Data.Caty := 'A03';

  RegisterResult := Sdk.OutpatientRegister(RegisterRequest);
  RegisterRequest.Free;
  Writeln('挂号成功: ', RegisterResult.RegisterId);

  // 与规范不同（新增）：规范挂号后直接结算，但医保局结算前要有就诊信息（2203）、费用明细（2204）和
  // 预结算（2206）：结算报文里的金额分项（全自费、超限价、先行自付、符合范围）是预结算算出来的。
  VisitId := RegisterResult.RegisterId;
  RegisterResult.Free;
  Visit := TOutpatientVisitUploadRequest.Create;
  Visit.Mdtrtinfo.MdtrtId := VisitId;
  Visit.Mdtrtinfo.PsnNo := ZhangSanPsnNo;
  Visit.Mdtrtinfo.MedType := '11';
  Visit.Mdtrtinfo.Begntime := BeijingNow;
  Dise := Visit.Diseinfo.New;
  Dise.DiagType := '1';
  Dise.DiagSrtNo := 1;
  Dise.DiagCode := 'J06.900';
  Dise.DiagName := '急性上呼吸道感染';
  Dise.DiagDept := '普通内科';
  Dise.DiseDorNo := 'DOC001';
  Dise.DiseDorName := '李医生';
  Dise.DiagTime := BeijingNow;
  Dise.ValiFlag := '1';
  Sdk.OutpatientVisitUpload(Visit).Free;
  Visit.Free;

  Fees := TOutpatientExpenseUploadRequest.Create;
  Fee := Fees.Feedetail.New;
  Fee.FeedetlSn := 'FY' + VisitId;
  Fee.MdtrtId := VisitId;
  Fee.PsnNo := ZhangSanPsnNo;
  Fee.ChrgBchno := 'SF' + VisitId;
  Fee.RxCircFlag := '0';
  Fee.FeeOcurTime := BeijingNow;
  Fee.MedListCodg := 'XJ01CAA040A001010100001';
  Fee.MedinsListCodg := 'YP-AMOXICILLIN';
  Fee.Cnt := 2;
  Fee.Pric := DecimalToCurrency('12.50');
  Fee.DetItemFeeSumamt := DecimalToCurrency('25.00');
  Fee.BilgDeptCodg := '001';
  Fee.BilgDeptName := '普通内科';
  Fee.BilgDrCodg := 'DOC001';
  Fee.BilgDrName := '李医生';
  Fee.HospApprFlag := '1';
  Sdk.OutpatientExpenseUpload(Fees).Free;
  Fees.Free;

  PreRequest := TOutpatientPreSettleRequest.Create;
  PreRequest.Data.PsnNo := ZhangSanPsnNo;
  PreRequest.Data.MdtrtCertType := CertTypeIdCard;
  PreRequest.Data.MdtrtCertNo := ZhangSanCertNo;
  PreRequest.Data.MedType := '11';
  PreRequest.Data.MedfeeSumamt := DecimalToCurrency('25.00');
  PreRequest.Data.PsnSetlway := '01';
  PreRequest.Data.MdtrtId := VisitId;
  PreRequest.Data.ChrgBchno := 'SF' + VisitId;
  PreRequest.Data.Insutype := '310';
  PreRequest.Data.AcctUsedFlag := '1';
  PreSettle := Sdk.OutpatientPreSettle(PreRequest);
  PreRequest.Free;
  Writeln('门诊预结算: 医保支付 ', CurrencyToDecimal(PreSettle.InsuranceAmount));

  // 【2207】门诊结算
  // 与规范不同：规范只传挂号ID；医保局的结算报文要重复预结算的总额和分项（都是 Currency，不经过浮点数）。
  Settle := TOutpatientSettleRequest.Create;
  Settle.Data.PsnNo := ZhangSanPsnNo;
  Settle.Data.MdtrtCertType := CertTypeIdCard;
  Settle.Data.MdtrtCertNo := ZhangSanCertNo;
  Settle.Data.MedType := '11';
  Settle.Data.MedfeeSumamt := PreSettle.TotalAmount;
  Settle.Data.PsnSetlway := '01';
  Settle.Data.MdtrtId := VisitId;
  Settle.Data.ChrgBchno := 'SF' + VisitId;
  Settle.Data.Insutype := '310';
  Settle.Data.AcctUsedFlag := '1';
  Settle.Data.FulamtOwnpayAmt := DecimalToCurrency(PreSettle.Get('fulamt_ownpay_amt'));
  Settle.Data.OverlmtSelfpay := DecimalToCurrency(PreSettle.Get('overlmt_selfpay'));
  Settle.Data.PreselfpayAmt := DecimalToCurrency(PreSettle.Get('preselfpay_amt'));
  Settle.Data.InscpScpAmt := DecimalToCurrency(PreSettle.Get('inscp_scp_amt'));
  PreSettle.Free;
  SettleResult := Sdk.OutpatientSettle(Settle);
  Settle.Free;
  Writeln('门诊结算完成: ', SettleResult.SettlementId);
  SettleResult.Free;
end;

// 与规范不同（新增）：2303/2304 的金额分项由 2301 应答里每条明细的分级相加得到。
function SumRows(Fees: TMIResult; const Field: string): Currency;
var
  Rows, V: TJValue;
  I: Integer;
begin
  Result := 0;
  Rows := FindPath(Fees.Raw, 'result');
  if (Rows = nil) or (Rows.Kind <> jkArray) then Exit;
  for I := 0 to Rows.Count - 1 do
  begin
    V := FindPath(Rows.Item(I), Field);
    if V <> nil then Result := Result + DecimalToCurrency(V.Text);
  end;
end;

procedure FillSettleData(Data: TInpatientSettleData; const AdmissionId: string; Fees: TMIResult);
begin
  Data.PsnNo := ZhangSanPsnNo;
  Data.MdtrtCertType := CertTypeIdCard;
  Data.MdtrtCertNo := ZhangSanCertNo;
  Data.MedfeeSumamt := SumRows(Fees, 'det_item_fee_sumamt');
  Data.PsnSetlway := '01';
  Data.MdtrtId := AdmissionId;
  Data.Insutype := '310';
  Data.AcctUsedFlag := '1';
  Data.MidSetlFlag := '0';
  Data.FulamtOwnpayAmt := SumRows(Fees, 'fulamt_ownpay_amt');
  Data.OverlmtSelfpay := SumRows(Fees, 'overlmt_amt');
  Data.PreselfpayAmt := SumRows(Fees, 'preselfpay_amt');
  Data.InscpScpAmt := SumRows(Fees, 'inscp_scp_amt');
end;

procedure InpatientExamples;
var
  AdmissionRequest: TInpatientAdmissionRequest;
  Diagnosis: TInpatientAdmissionDiseinfo;
  AdmissionResult: TAdmissionResult;
  AdmissionId: string;
  FeeRequest: TInpatientExpenseUploadRequest;
  Fee: TInpatientExpenseUploadFeedetail;
  Fees: TFeeUploadResult;
  Discharge: TInpatientDischargeRequest;
  Dise: TInpatientDischargeDiseinfo;
  Pre: TInpatientSettleRequest;
  PreInput: TJValue;
  SettleRequest: TInpatientSettleRequest;
  SettleResult: TSettlementResult;
begin
  Writeln('--- 住院业务流程 ---');

  // 【2401】入院办理
  // 与规范不同：规范的 InpatientAdmissionRequest 只有 PersonNo、DeptCode、WardCode、BedNo；医保局的入院报文
  // （2401 的 mdtrtinfo 与 diseinfo 节点）还必须有险种、入院时间、就诊凭证、住院号、经治医师、入院诊断和
  // 主诊断——谁也替不了医生下诊断。病区（WardCode）不是 2401 的字段，不传。
  AdmissionRequest := TInpatientAdmissionRequest.Create;
  AdmissionRequest.Mdtrtinfo.PsnNo := '43000030281000128715';
  AdmissionRequest.Mdtrtinfo.AdmDeptCodg := '001';
  AdmissionRequest.Mdtrtinfo.AdmBed := '001-01';
  AdmissionRequest.Mdtrtinfo.Insutype := '310';
  AdmissionRequest.Mdtrtinfo.Begntime := BeijingNow;
  AdmissionRequest.Mdtrtinfo.MdtrtCertType := CertTypeIdCard;
  AdmissionRequest.Mdtrtinfo.MdtrtCertNo := ZhangSanCertNo;
  AdmissionRequest.Mdtrtinfo.MedType := '21';
  AdmissionRequest.Mdtrtinfo.IptNo := 'ZY' + Serial;
  AdmissionRequest.Mdtrtinfo.AtddrNo := 'DOC001';
  AdmissionRequest.Mdtrtinfo.ChfpdrName := '张医生';
  AdmissionRequest.Mdtrtinfo.AdmDiagDscr := '转移性右下腹痛';
  AdmissionRequest.Mdtrtinfo.AdmDeptName := '普通外科';
  AdmissionRequest.Mdtrtinfo.DscgMaindiagCode := 'K35.800';
  AdmissionRequest.Mdtrtinfo.DscgMaindiagName := '急性阑尾炎';
  Diagnosis := AdmissionRequest.Diseinfo.New;
  Diagnosis.PsnNo := ZhangSanPsnNo;
  Diagnosis.DiagType := '1';
  Diagnosis.MaindiagFlag := '1';
  Diagnosis.DiagSrtNo := 1;
  Diagnosis.DiagCode := 'K35.800';
  Diagnosis.DiagName := '急性阑尾炎';
  Diagnosis.DiagDept := '普通外科';
  Diagnosis.DiseDorNo := 'DOC001';
  Diagnosis.DiseDorName := '张医生';
  Diagnosis.DiagTime := BeijingNow;

  AdmissionResult := Sdk.InpatientAdmission(AdmissionRequest);
  AdmissionRequest.Free;
  Writeln('入院办理完成: ', AdmissionResult.AdmissionId);

  // 与规范不同（新增）：规范入院后直接结算；医保局要先有费用明细（2301）、出院办理（2402）和预结算（2303）。
  AdmissionId := AdmissionResult.AdmissionId;
  AdmissionResult.Free;
  FeeRequest := TInpatientExpenseUploadRequest.Create;
  Fee := FeeRequest.Feedetail.New;
  Fee.FeedetlSn := 'ZYFY' + AdmissionId;
  Fee.MdtrtId := AdmissionId;
  Fee.PsnNo := ZhangSanPsnNo;
  Fee.FeeOcurTime := BeijingNow;
  Fee.MedListCodg := '003310003010000-331003001';
  Fee.MedinsListCodg := 'SS-APPENDECTOMY';
  Fee.Cnt := 1;
  Fee.Pric := DecimalToCurrency('1200.00');
  Fee.DetItemFeeSumamt := DecimalToCurrency('1200.00');
  Fee.BilgDeptCodg := '001';
  Fee.BilgDeptName := '普通外科';
  Fee.BilgDrCodg := 'DOC001';
  Fee.BilgDrName := '张医生';
  Fee.MedType := '21';
  Fee.HospApprFlag := '1';
  Fees := Sdk.InpatientExpenseUpload(FeeRequest);
  FeeRequest.Free;

  Discharge := TInpatientDischargeRequest.Create;
  Discharge.Dscginfo.MdtrtId := AdmissionId;
  Discharge.Dscginfo.PsnNo := ZhangSanPsnNo;
  Discharge.Dscginfo.Insutype := '310';
  Discharge.Dscginfo.Endtime := BeijingNow;
  Discharge.Dscginfo.DscgDeptCodg := '001';
  Discharge.Dscginfo.DscgDeptName := '普通外科';
  Discharge.Dscginfo.DscgWay := '1';
  Dise := Discharge.Diseinfo.New;
  Dise.PsnNo := ZhangSanPsnNo;
  Dise.DiagType := '1';
  Dise.MaindiagFlag := '1';
  Dise.DiagSrtNo := 1;
  Dise.DiagCode := 'K35.800';
  Dise.DiagName := '急性阑尾炎';
  Dise.DiagDept := '普通外科';
  Dise.DiseDorNo := 'DOC001';
  Dise.DiseDorName := '张医生';
  Dise.DiagTime := BeijingNow;
  Sdk.InpatientDischarge(Discharge).Free;
  Discharge.Free;

  // 2303 takes the same data node as 2304: built once as 2304's typed request, sent as JSON
  Pre := TInpatientSettleRequest.Create;
  FillSettleData(Pre.Data, AdmissionId, Fees);
  PreInput := Pre.ToInput;
  Sdk.InpatientPreSettle(PreInput).Free;
  PreInput.Free;
  Pre.Free;

  // 【2304】住院结算
  // 与规范不同：规范只传入院ID；医保局的结算报文要总额与金额分项，同预结算。
  SettleRequest := TInpatientSettleRequest.Create;
  FillSettleData(SettleRequest.Data, AdmissionId, Fees);
  Fees.Free;
  SettleResult := Sdk.InpatientSettle(SettleRequest);
  SettleRequest.Free;
  Writeln('住院结算完成: ', SettleResult.SettlementId);
  SettleResult.Free;
end;

procedure BusinessServiceExamples;
var
  BenefitResult: TBenefitCheckResult;
begin
  Writeln('=== 医保业务服务示例 ===');

  // 【2001】人员待遇享受检查
  BenefitResult := Sdk.BenefitCheck('43000030281000128715', ['drug_limit', 'treatment_limit']);
  Writeln('待遇检查结果: ', BenefitResult.Status);
  BenefitResult.Free;

  // 门诊业务流程
  OutpatientExamples;

  // 住院业务流程
  InpatientExamples;
end;

procedure AsyncExamples;
var
  I: Integer;
  P: TPersonInfo;
begin
  Writeln('=== 异步操作示例 ===');

  // 与规范不同：规范用 Task.WhenAll 并发查询三位患者。Free Pascal 没有 System.Threading 的 TTask，这里依次
  // 查询（Delphi 10+ 可以用 TTask.Future 把每个 QueryPersonInfo 放进线程，每个线程用自己的 SDK 实例）。
  // 三位患者换成沙箱里的参保人，见 SandboxCertNos；证件类型 "02"，见上。
  for I := 0 to High(SandboxCertNos) do
  begin
    P := Sdk.QueryPersonInfo(CertTypeIdCard, SandboxCertNos[I], '');
    Writeln('患者', I + 1, ': ', P.Name);
    P.Free;
  end;
end;

procedure BatchOperationExamples;
var
  Register: TRegisterResult;
  RegisterInput, Operations: TJValue;
  VisitId, Now_: string;
  BatchResult: TMIBatchResult;
begin
  Writeln('=== 批量操作示例 ===');

  // 与规范不同：规范的两步是对虚构就诊 "V001" 的费用上传与结算，Data 只有 visit_id。客户端把 data 原样
  // 作为医保局报文交给网关，所以这里开一次真实的挂号，批量上传它的费用明细（2204）再做预结算（2206）：
  // 正式结算（2207）要重复预结算算出的分项，不能与预结算放在同一批里事先写好。
  Now_ := BeijingNow;
  RegisterInput := ParseJson('{"psn_no": "' + ZhangSanPsnNo + '", "insutype": "310", "begntime": "' + Now_
    + '", "mdtrt_cert_type": "' + CertTypeIdCard + '", "mdtrt_cert_no": "' + ZhangSanCertNo + '", "ipt_otp_no": "MZB'
    + Serial + '", "atddr_no": "DOC001", "dr_name": "李医生", "dept_code": "001", "dept_name": "普通内科", "caty": "A03"}');
  Register := Sdk.OutpatientRegister(RegisterInput);
  RegisterInput.Free;
  VisitId := Register.RegisterId;
  Register.Free;
  // 与规范不同：规范写 List<BatchOperation>；这里是同样字段的 JSON 数组（interface_type、data、sequence）。
  Operations := ParseJson('[{"interface_type": "outpatient_expense_upload", "sequence": 1, "data": {"feedetail": [{'
    + '"feedetl_sn": "FYB' + VisitId + '", "mdtrt_id": "' + VisitId + '", "psn_no": "' + ZhangSanPsnNo + '", '
    + '"chrg_bchno": "SFB' + VisitId + '", "rx_circ_flag": "0", "fee_ocur_time": "' + Now_ + '", '
    + '"med_list_codg": "XB01ACA056A001010100002", "medins_list_codg": "YP-ASPIRIN-100", "cnt": 1, "pric": 15.80, '
    + '"det_item_fee_sumamt": 15.80, "bilg_dept_codg": "001", "bilg_dept_name": "普通内科", "bilg_dr_codg": "DOC001", '
    + '"bilg_dr_name": "李医生", "hosp_appr_flag": "1"}]}}, '
    // 与规范不同：outpatient_settle 换成预结算，见上
    + '{"interface_type": "outpatient_pre_settle", "sequence": 2, "data": {"psn_no": "' + ZhangSanPsnNo + '", '
    + '"mdtrt_cert_type": "' + CertTypeIdCard + '", "mdtrt_cert_no": "' + ZhangSanCertNo + '", "med_type": "11", '
    + '"medfee_sumamt": 15.80, "psn_setlway": "01", "mdtrt_id": "' + VisitId + '", "chrg_bchno": "SFB' + VisitId + '", '
    + '"insutype": "310", "acct_used_flag": "1"}}]');
  BatchResult := Sdk.BatchUpload(Operations);
  Operations.Free;
  Writeln('批量操作: ', BatchResult.SuccessCount, '/', BatchResult.Count, ' 成功');
  BatchResult.Free;
end;

var
  ConfigPath: string;
begin
  ConfigPath := ParamStr(1);
  if ConfigPath = '' then ConfigPath := GetEnvironmentVariable('MEDICAL_INSURANCE_SDK_CONFIG');
  if ConfigPath = '' then ConfigPath := 'config.json';
  Sdk := TMedicalInsuranceSDK.Create(ConfigPath);
  try
    try
      // 基础信息服务示例
      BasicInfoExamples;

      // 医保业务服务示例
      BusinessServiceExamples;

      // 异步操作示例
      AsyncExamples;

      // 批量操作示例
      BatchOperationExamples;
    except
      on E: EMedicalInsurance do
      begin
        Writeln('医保接口调用失败: ', E.Message);
        // 与规范不同：退出码 1（规范只打印），脚本和测试才看得出示例没跑通。结果未知（EOutcomeUnknown）时
        // E.Retry 恒为 False：先查询确认。
        ExitCode := 1;
      end;
    end;
  finally
    Sdk.Free;
  end;
end.
