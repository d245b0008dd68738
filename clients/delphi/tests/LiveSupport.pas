// What the live tests share: the sandbox's seed persons, SDKs for the hospital and the pharmacy keys, sandbox
// faults through the gateway's admin API, and the outpatient visit the flows start from.
unit LiveSupport;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, Classes, DateUtils, TestSupport, MedicalInsurance.Json, MedicalInsurance.Decimal, MedicalInsurance.Errors,
  MedicalInsurance.Http, MedicalInsurance.Nodes, MedicalInsurance.Core, MedicalInsurance.Generated.Requests,
  MedicalInsurance.Generated.Results, MedicalInsurance.SDK;

type
  TPerson = record
    PsnNo, CertNo, Balance: string;
  end;

const
  // sandbox seed persons (src/medical_insurance_sdk/sandbox/seed.py): psn_no, certno, 个人账户余额
  LiNa: TPerson = (PsnNo: '43000030281000129728'; CertNo: '430304198805170049'; Balance: '2680.50');
  LiuFang: TPerson = (PsnNo: '43000030281000131754'; CertNo: '430321199211020087'; Balance: '860.30');
  ChenZhiqiang: TPerson = (PsnNo: '43000030281000132767'; CertNo: '430381198303080097'; Balance: '3055.75');
  YangLi: TPerson = (PsnNo: '43000030281000133780'; CertNo: '430382199507300128'; Balance: '420.00');
  ZhaoLei: TPerson = (PsnNo: '43000030281000134793'; CertNo: '430302198612120130'; Balance: '1999.99');

var
  Serial: Integer;
  CancelledVisit, CancelledSettlement: string;

function Hospital(const ApiKey: string = ''): TMedicalInsuranceSDK;
function Pharmacy: TMedicalInsuranceSDK;
function NextSerial: string;
procedure Fault(const Method, Body: string);
function OpenVisit(Sdk: TMedicalInsuranceSDK; const Who: TPerson; out Pre: TSettlementResult): string;
function SettleRequest(const Who: TPerson; const MdtrtId: string; Pre: TSettlementResult): TOutpatientSettleRequest;

implementation

function Hospital(const ApiKey: string = ''): TMedicalInsuranceSDK;
begin
  // env vars (§9.2.2) as a HIS would set them; an explicit key wins over the environment
  Result := TMedicalInsuranceSDK.CreateWith('', '', ApiKey, '');
end;

function Pharmacy: TMedicalInsuranceSDK;
begin
  Result := TMedicalInsuranceSDK.CreateWith('', '', Env('MEDICAL_INSURANCE_PHARMACY_API_KEY'),
    Env('MEDICAL_INSURANCE_PHARMACY_CODE'));
end;

function NextSerial: string;
begin
  Inc(Serial);
  Result := Format('%.8d', [Serial]);
end;

procedure Fault(const Method, Body: string);
var
  Http: TMIHttp;
  Headers: TStringList;
  Resp: TMIHttpResponse;
  Cause: string;
begin
  Http := TMIHttp.Create;
  Headers := TStringList.Create;
  try
    Headers.Add('X-API-Key=' + Env('MEDICAL_INSURANCE_ADMIN_API_KEY'));
    Headers.Add('X-Institution-Code=' + Env('MEDICAL_INSURANCE_INSTITUTION_CODE'));
    if Body <> '' then Headers.Add('Content-Type=application/json');
    CheckTrue(Http.Send(Method, Env('MEDICAL_INSURANCE_GATEWAY_ROOT') + 'sandbox/admin/faults', Headers, Body, 30000,
      Resp, Cause) = hkAnswered, 'fault ' + Method + ': ' + Cause);
    CheckTrue(Resp.Status < 300, 'fault ' + Method + ': HTTP ' + IntToStr(Resp.Status) + ' ' + Resp.Body);
  finally
    Headers.Free;
    Http.Free;
  end;
end;

const
  FeeCodes: array[0..3] of string = ('001102000010000-110200001', 'XJ01CAA040A001010100001',
    'XB05AAA010B002010100013', 'XA11JAF000A001010100015');
  FeeCounts: array[0..3] of string = ('1', '2', '4', '1');
  FeePrices: array[0..3] of string = ('10.00', '12.50', '420.00', '60.00');

// 2201 -> 2203 -> 2204 (李娜's basket of the Python tests) -> 2206: the visit id, and the pre-settlement
function OpenVisit(Sdk: TMedicalInsuranceSDK; const Who: TPerson; out Pre: TSettlementResult): string;
var
  Reg: TOutpatientRegisterRequest;
  RegResult: TRegisterResult;
  Visit: TOutpatientVisitUploadRequest;
  Dise: TOutpatientVisitUploadDiseinfo;
  Fees: TOutpatientExpenseUploadRequest;
  Fee: TOutpatientExpenseUploadFeedetail;
  PreReq: TOutpatientPreSettleRequest;
  Sum: Currency;
  I: Integer;
begin
  Reg := TOutpatientRegisterRequest.Create;
  try
    Reg.Data.PsnNo := Who.PsnNo;
    Reg.Data.Insutype := '310';
    Reg.Data.Begntime := BeijingNow;
    Reg.Data.MdtrtCertType := '02';
    Reg.Data.MdtrtCertNo := Who.CertNo;
    Reg.Data.IptOtpNo := 'MZ' + NextSerial;
    Reg.Data.AtddrNo := 'D430302000101';
    Reg.Data.DrName := '李医生';
    Reg.Data.DeptCode := 'NK01';
    Reg.Data.DeptName := '普通内科';
    Reg.Data.Caty := 'A03';
    RegResult := Sdk.OutpatientRegister(Reg);
    try
      Result := RegResult.RegisterId;
    finally
      RegResult.Free;
    end;
  finally
    Reg.Free;
  end;
  CheckTrue(Result <> '', '2201 answered a mdtrt_id');
  Visit := TOutpatientVisitUploadRequest.Create;
  try
    Visit.Mdtrtinfo.MdtrtId := Result;
    Visit.Mdtrtinfo.PsnNo := Who.PsnNo;
    Visit.Mdtrtinfo.MedType := '11';
    Visit.Mdtrtinfo.Begntime := BeijingNow;
    Visit.Mdtrtinfo.MainCondDscr := '发热咳嗽三天';
    Dise := Visit.Diseinfo.New;
    Dise.DiagType := '1';
    Dise.DiagSrtNo := 1;
    Dise.DiagCode := 'J06.900';
    Dise.DiagName := '急性上呼吸道感染';
    Dise.DiagDept := '普通内科';
    Dise.DiseDorNo := 'D430302000101';
    Dise.DiseDorName := '李医生';
    Dise.DiagTime := BeijingNow;
    Dise.ValiFlag := '1';
    Sdk.OutpatientVisitUpload(Visit).Free;
  finally
    Visit.Free;
  end;
  Sum := 0;
  Fees := TOutpatientExpenseUploadRequest.Create;
  try
    for I := 0 to 3 do
    begin
      Fee := Fees.Feedetail.New;
      Fee.FeedetlSn := 'F' + IntToStr(I + 1) + IntToStr(Serial);
      Fee.MdtrtId := Result;
      Fee.PsnNo := Who.PsnNo;
      Fee.ChrgBchno := 'B001';
      Fee.RxCircFlag := '0';
      Fee.FeeOcurTime := BeijingNow;
      Fee.MedListCodg := FeeCodes[I];
      Fee.MedinsListCodg := 'H' + Copy(FeeCodes[I], 1, 10);
      Fee.Cnt := DecimalToCurrency(FeeCounts[I]);
      Fee.Pric := DecimalToCurrency(FeePrices[I]);
      Fee.DetItemFeeSumamt := Fee.Cnt * Fee.Pric;
      Sum := Sum + Fee.DetItemFeeSumamt;
      Fee.BilgDeptCodg := 'NK01';
      Fee.BilgDeptName := '普通内科';
      Fee.BilgDrCodg := 'D430302000101';
      Fee.BilgDrName := '李医生';
      Fee.HospApprFlag := '1';
    end;
    Sdk.OutpatientExpenseUpload(Fees).Free;
  finally
    Fees.Free;
  end;
  PreReq := TOutpatientPreSettleRequest.Create;
  try
    PreReq.Data.PsnNo := Who.PsnNo;
    PreReq.Data.MdtrtCertType := '02';
    PreReq.Data.MdtrtCertNo := Who.CertNo;
    PreReq.Data.MedType := '11';
    PreReq.Data.MedfeeSumamt := Sum;
    PreReq.Data.PsnSetlway := '01';
    PreReq.Data.MdtrtId := Result;
    PreReq.Data.ChrgBchno := 'B001';
    PreReq.Data.Insutype := '310';
    PreReq.Data.AcctUsedFlag := '1';
    Pre := Sdk.OutpatientPreSettle(PreReq);
  finally
    PreReq.Free;
  end;
end;

function SettleRequest(const Who: TPerson; const MdtrtId: string; Pre: TSettlementResult): TOutpatientSettleRequest;
begin
  Result := TOutpatientSettleRequest.Create;
  Result.Data.PsnNo := Who.PsnNo;
  Result.Data.MdtrtCertType := '02';
  Result.Data.MdtrtCertNo := Who.CertNo;
  Result.Data.MedType := '11';
  Result.Data.MedfeeSumamt := Pre.TotalAmount;
  Result.Data.PsnSetlway := '01';
  Result.Data.MdtrtId := MdtrtId;
  Result.Data.ChrgBchno := 'B001';
  Result.Data.Insutype := '310';
  Result.Data.AcctUsedFlag := '1';
  // the pre-settlement's split, as exact text -> Currency (never a Double)
  Result.Data.FulamtOwnpayAmt := DecimalToCurrency(Pre.Get('fulamt_ownpay_amt'));
  Result.Data.OverlmtSelfpay := DecimalToCurrency(Pre.Get('overlmt_selfpay'));
  Result.Data.PreselfpayAmt := DecimalToCurrency(Pre.Get('preselfpay_amt'));
  Result.Data.InscpScpAmt := DecimalToCurrency(Pre.Get('inscp_scp_amt'));
end;

{ ------------------------------------------------------------------------------------------------ tests }

end.
