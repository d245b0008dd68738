// Tests against the live gateway clients/harness.py starts (its docstring lists the variables): the embedded
// sandbox bureau answers, its fund split decides the amounts, and its fault rules lose an answer on purpose.
unit LiveTests;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

procedure RunLiveTests;

implementation

uses
  SysUtils, Classes, DateUtils, TestSupport, MedicalInsurance.Json, MedicalInsurance.Decimal, MedicalInsurance.Errors,
  MedicalInsurance.Http, MedicalInsurance.Nodes, MedicalInsurance.Core, MedicalInsurance.Generated.Requests,
  MedicalInsurance.Generated.Results, MedicalInsurance.SDK, LiveSupport;

procedure TestPersonInfo;
var
  Sdk: TMedicalInsuranceSDK;
  P, Q: TPersonInfo;
  Req: TQueryPersonInfoRequest;
  Input: TJValue;
  Via: TMIResult;
begin
  Sdk := Hospital;
  try
    P := Sdk.QueryPersonInfo('02', LiNa.CertNo, '李娜');
    try
      CheckEqual('李娜', P.Name, 'name');
      CheckEqual(LiNa.PsnNo, P.PersonNo, 'psn_no');
      CheckCurr(DecimalToCurrency(LiNa.Balance), P.InsuranceBalance, 'balance exact');
      CheckEqual(LiNa.Balance, P.FriendlyText(7), 'balance text as the gateway sent it');
      CheckTrue(P.Msgid <> '', 'msgid');
    finally
      P.Free;
    end;
    Req := TQueryPersonInfoRequest.Create;
    try
      Req.Data.MdtrtCertType := '02';
      Req.Data.MdtrtCertNo := YangLi.CertNo;
      Req.Data.PsnCertType := '01';
      Q := Sdk.QueryPersonInfo(Req);
      try
        CheckEqual(YangLi.PsnNo, Q.PersonNo, 'typed request');
      finally
        Q.Free;
      end;
    finally
      Req.Free;
    end;
    Input := ParseJson('{"mdtrt_cert_type": "02", "mdtrt_cert_no": "' + ZhaoLei.CertNo + '", "psn_cert_type": "01"}');
    try
      Via := Sdk.Call('person_info', Input);
      try
        CheckEqual(ZhaoLei.PsnNo, Via.Get('psn_no'), 'universal Call by interface_type with flat fields');
      finally
        Via.Free;
      end;
    finally
      Input.Free;
    end;
  finally
    Sdk.Free;
  end;
end;

procedure TestOutpatientFlow;
var
  Sdk: TMedicalInsuranceSDK;
  Pre, S, C: TSettlementResult;
  Visit: string;
  Settle: TOutpatientSettleRequest;
  Opt: TMICallOptions;
  Input: TJValue;
begin
  Sdk := Hospital;
  Opt := TMICallOptions.Create;
  try
    Visit := OpenVisit(Sdk, LiNa, Pre);
    try
      CheckCurr(DecimalToCurrency('1775.00'), Pre.TotalAmount, '2206 medfee_sumamt = sum of the fee lines');
      Settle := SettleRequest(LiNa, Visit, Pre);
      try
        Opt.IdempotencyKey := 'delphi-' + Visit;
        S := Sdk.OutpatientSettle(Settle, Opt);
      finally
        Settle.Free;
      end;
      try
        Writeln('        2207 ', S.SettlementId, ': total ', CurrencyToDecimal(S.TotalAmount), ' = fund ',
          CurrencyToDecimal(S.InsuranceAmount), ' + cash ', CurrencyToDecimal(S.CashAmount), ' + account ',
          CurrencyToDecimal(S.AccountAmount));
        CheckTrue(S.SettlementId <> '', 'setl_id');
        CheckCurr(Pre.TotalAmount, S.TotalAmount, '2207 total = 2206 total');
        CheckCurr(Pre.InsuranceAmount, S.InsuranceAmount, '2207 fund = 2206 fund');
        CheckCurr(S.TotalAmount, S.InsuranceAmount + S.CashAmount + S.AccountAmount, 'total = fund + cash + account');
        CheckCurr(S.TotalAmount, S.InsuranceAmount + S.PersonalAmount, 'total = fund + personal');
        CheckCurr(DecimalToCurrency('1056.10'), S.Balance, 'account balance after 2207 (Python sandbox flow: 1056.10)');
        CheckCurr(DecimalToCurrency(LiNa.Balance) - S.AccountAmount, S.Balance, 'balance = before - account pay');
        CheckTrue((S.Raw <> nil) and (S.Raw.Kind = jkObject), 'raw output');
        Input := TJValue.Obj.Put('setl_id', S.SettlementId).Put('mdtrt_id', Visit).Put('psn_no', LiNa.PsnNo);
        try
          C := Sdk.OutpatientSettleCancel(Input);
          try
            CheckCurr(DecimalToCurrency(LiNa.Balance), C.Balance, '2208 gives the account back exactly');
          finally
            C.Free;
          end;
        finally
          Input.Free;
        end;
        CancelledVisit := Visit;
        CancelledSettlement := S.SettlementId;
      finally
        S.Free;
      end;
    finally
      Pre.Free;
    end;
  finally
    Opt.Free;
    Sdk.Free;
  end;
end;

const
  DrugCodes: array[0..2] of string = ('XM01AEB040E001010100011', 'XB01ACA056A001010100002', 'XA11JAF000A001010100015');
  DrugCounts: array[0..2] of string = ('2', '1', '1');
  DrugPrices: array[0..2] of string = ('11.20', '15.80', '60.00');

function Purchase: TPharmacySettleRequest;
var
  I: Integer;
  Row: TPharmacySettleDrugdetail;
begin
  Result := TPharmacySettleRequest.Create;
  Result.Druginfo.PsnNo := LiuFang.PsnNo;
  Result.Druginfo.MdtrtCertType := '02';
  Result.Druginfo.MdtrtCertNo := LiuFang.CertNo;
  Result.Druginfo.Insutype := '310';
  Result.Druginfo.MedType := '41';
  Result.Druginfo.MedfeeSumamt := DecimalToCurrency('98.20');
  Result.Druginfo.AcctUsedFlag := '1';
  Result.Druginfo.Begntime := BeijingNow;
  for I := 0 to 2 do
  begin
    Row := Result.Drugdetail.New;
    Row.FeedetlSn := 'P' + IntToStr(I + 1) + IntToStr(Serial);
    Row.MedListCodg := DrugCodes[I];
    Row.MedinsListCodg := 'P' + IntToStr(I + 1);
    Row.Cnt := DecimalToCurrency(DrugCounts[I]);
    Row.Pric := DecimalToCurrency(DrugPrices[I]);
    Row.DetItemFeeSumamt := Row.Cnt * Row.Pric;
    Row.FeeOcurTime := BeijingNow;
  end;
end;

procedure TestPharmacyFlow;
var
  Sdk: TMedicalInsuranceSDK;
  Req: TPharmacySettleRequest;
  Input: TJValue;
  Pre, S: TSettlementResult;
  Before: TPersonInfo;
  BalanceBefore: Currency;
begin
  Sdk := Pharmacy;
  Req := Purchase;
  try
    // other suites may have bought for her on this gateway already: compare with her balance now
    Before := Sdk.QueryPersonInfo('02', LiuFang.CertNo, '');
    try
      BalanceBefore := Before.InsuranceBalance;
    finally
      Before.Free;
    end;
    // 2101 through the TJValue overload (the same purchase as JSON), 2102 through the typed request
    Input := Req.ToInput;
    try
      Pre := Sdk.PharmacyPreSettle(Input);
    finally
      Input.Free;
    end;
    try
      CheckCurr(DecimalToCurrency('98.20'), Pre.TotalAmount, '2101 total');
      S := Sdk.PharmacySettle(Req);
      try
        CheckCurr(S.TotalAmount, S.InsuranceAmount + S.CashAmount + S.AccountAmount, 'total = fund + cash + account');
        CheckCurr(BalanceBefore - S.AccountAmount, S.Balance, 'balance after 2102 = before - account part, exactly');
        CheckCurr(Pre.InsuranceAmount, S.InsuranceAmount, '2102 fund = 2101 fund');
      finally
        S.Free;
      end;
    finally
      Pre.Free;
    end;
  finally
    Req.Free;
    Sdk.Free;
  end;
end;

procedure TestWrongKey;
var
  Sdk: TMedicalInsuranceSDK;
begin
  Sdk := Hospital('mik_wrong_key_for_the_test');
  try
    try
      Sdk.QueryPersonInfo('02', LiNa.CertNo).Free;
      Fail('a wrong key must be refused');
    except
      on E: EMIAuthentication do
      begin
        Writeln('        401: ', E.Code, ' ', E.Message);
        CheckEqual(401, E.HttpStatus, 'status');
        CheckBool(False, E.Retry, 'retry');
      end;
    end;
  finally
    Sdk.Free;
  end;
end;

procedure TestAnalystOnWrite;
var
  Sdk: TMedicalInsuranceSDK;
  Input: TJValue;
begin
  Sdk := Hospital(Env('MEDICAL_INSURANCE_ANALYST_API_KEY'));
  Input := TJValue.Obj.Put('psn_no', LiNa.PsnNo);
  try
    try
      Sdk.OutpatientRegister(Input).Free;
      Fail('an analyst key must not write');
    except
      on E: EMIPermissionDenied do
      begin
        Writeln('        403: ', E.Message);
        CheckEqual(10009, E.Code, 'code');
        CheckEqual(403, E.HttpStatus, 'status');
      end;
    end;
  finally
    Input.Free;
    Sdk.Free;
  end;
end;

procedure TestValidation;
var
  Sdk: TMedicalInsuranceSDK;
  Req: TOutpatientRegisterRequest;
  I: Integer;
  Found: Boolean;
  All: string;
begin
  Sdk := Hospital;
  Req := TOutpatientRegisterRequest.Create;
  try
    Req.Data.PsnNo := LiNa.PsnNo;
    try
      Sdk.OutpatientRegister(Req).Free;
      Fail('an incomplete 2201 must be refused');
    except
      on E: EMIDataValidation do
      begin
        CheckEqual(422, E.HttpStatus, 'status');
        CheckTrue(Length(E.Errors) >= 5, 'several field errors: ' + IntToStr(Length(E.Errors)));
        Found := False;
        All := '';
        for I := 0 to High(E.Errors) do
        begin
          All := All + IntToStr(E.Errors[I].Code) + ' ' + E.Errors[I].Path + '; ';
          if (E.Errors[I].Code = 30002) and (Pos('dr_name', E.Errors[I].Path) > 0) then Found := True;
        end;
        CheckTrue(Found, 'dr_name missing: ' + All);
      end;
    end;
  finally
    Req.Free;
    Sdk.Free;
  end;
end;

procedure TestBusinessRefusal;
var
  Sdk: TMedicalInsuranceSDK;
  Input: TJValue;
begin
  CheckTrue(CancelledVisit <> '', 'the outpatient test cancelled a visit');
  Sdk := Hospital;
  Input := TJValue.Obj.Put('setl_id', CancelledSettlement).Put('mdtrt_id', CancelledVisit).Put('psn_no', LiNa.PsnNo);
  try
    try
      Sdk.OutpatientSettleCancel(Input).Free;
      Fail('cancelling twice must be refused');
    except
      on E: EMedicalInsurance do
      begin
        Writeln('        refusal: ', E.ClassName, ' ', E.Code, ' HTTP ', E.HttpStatus, ' ', E.Message);
        CheckTrue(E is EMIBusiness, 'an EMIBusiness: ' + E.ClassName);
        CheckTrue((E.HttpStatus = 409) or (E.HttpStatus = 400) or (E.HttpStatus = 422), '4xx: ' + IntToStr(E.HttpStatus));
        CheckBool(False, E.Retry, 'retry');
      end;
    end;
  finally
    Input.Free;
    Sdk.Free;
  end;
end;

type
  TSleepRecorder = class
    Count: Integer;
    procedure Sleep(Seconds: Double);
  end;

procedure TSleepRecorder.Sleep(Seconds: Double);
begin
  Inc(Count);
end;

procedure TestLostMoneyAnswer;
var
  Sdk: TMedicalInsuranceSDK;
  Pre: TSettlementResult;
  Visit: string;
  Settle: TOutpatientSettleRequest;
  Opt: TMICallOptions;
  Rec: TSleepRecorder;
begin
  Sdk := Hospital;
  Opt := TMICallOptions.Create;
  Rec := TSleepRecorder.Create;
  try
    Visit := OpenVisit(Sdk, ChenZhiqiang, Pre);
    Settle := SettleRequest(ChenZhiqiang, Visit, Pre);
    Fault('POST', '{"kind": "timeout_after", "scope": "2207", "count": 1}');
    Sdk.Sleep := Rec.Sleep;
    try
      // long enough for the gateway's own bureau timeout: its answer carries the msgid
      Opt.Timeout := 180;
      try
        Sdk.OutpatientSettle(Settle, Opt).Free;
        Fail('a lost 2207 answer must raise');
      except
        on E: EOutcomeUnknown do
        begin
          Writeln('        unknown: ', E.Code, ' HTTP ', E.HttpStatus, ' msgid ', E.Msgid, ' outcome ', E.Outcome, ': ', E.Message);
          CheckBool(False, E.Retry, 'retry');
          CheckTrue(E.Msgid <> '', 'msgid');
          CheckTrue((E.Outcome = 'unknown') or (E.Outcome = 'reversed'), 'outcome ' + E.Outcome);
          CheckEqual(0, Rec.Count, 'no second attempt');
        end;
      end;
    finally
      Fault('DELETE', '');
      Settle.Free;
      Pre.Free;
    end;
  finally
    Rec.Free;
    Opt.Free;
    Sdk.Free;
  end;
end;

procedure TestBatch;
var
  Sdk: TMedicalInsuranceSDK;
  Ops: TJValue;
  R: TMIBatchResult;
  Bad: TMIBatchItem;
  I: Integer;
begin
  Sdk := Hospital;
  Ops := ParseJson('[{"interface_type": "person_info", "sequence": 1, "data": {"data": {"mdtrt_cert_type": "02", '
    + '"mdtrt_cert_no": "' + YangLi.CertNo + '", "psn_cert_type": "01"}}}, '
    + '{"interface_type": "1101", "sequence": 2, "data": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "'
    + ZhaoLei.CertNo + '", "psn_cert_type": "01"}}}, '
    + '{"interface_type": "1101", "sequence": 3, "data": {"data": {"mdtrt_cert_type": "02"}}}]');
  try
    R := Sdk.BatchUpload(Ops, '', False);
    try
      Writeln('        batch ', R.BatchId, ': ', R.SuccessCount, '/', R.Count, ' ', R.Status);
      CheckEqual(3, R.Count, 'total');
      CheckEqual(2, R.SuccessCount, 'success');
      Bad := nil;
      for I := 0 to R.Count - 1 do
        if not R.Item(I).Success then Bad := R.Item(I);
      CheckTrue(Bad <> nil, 'one failed operation');
      CheckEqual(3, Bad.Sequence, 'failed sequence');
      CheckTrue(Bad.Exception_ is EMIDataValidation, 'item exception: ' + Bad.Error);
      CheckEqual(YangLi.PsnNo, FindPath(R.BySequence(1).Output, '*.psn_no').AsText, 'output of op 1');
    finally
      R.Free;
    end;
  finally
    Ops.Free;
    Sdk.Free;
  end;
end;

procedure TestAsyncTask;
var
  Sdk: TMedicalInsuranceSDK;
  Data: TJValue;
  Task, Done: TMITaskInfo;
begin
  Sdk := Hospital;
  Data := ParseJson('{"interface_type": "person_info", "data": {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "'
    + LiuFang.CertNo + '", "psn_cert_type": "01"}}}');
  try
    Task := Sdk.CreateTask('transaction', Data);
    try
      CheckTrue(Task.TaskId <> '', 'task id');
      Done := Sdk.WaitTask(Task.TaskId, 60, 0.5);
      try
        Writeln('        task ', Done.TaskId, ': ', Done.Status, ' ', Done.Progress, '%');
        CheckEqual('completed', Done.Status, 'status');
        CheckEqual(LiuFang.PsnNo, FindPath(Done.Result, '*.psn_no').AsText, 'result');
      finally
        Done.Free;
      end;
    finally
      Task.Free;
    end;
  finally
    Data.Free;
    Sdk.Free;
  end;
end;

procedure TestUniversalQuery;
var
  Sdk: TMedicalInsuranceSDK;
  Filters, Answer, Rows: TJValue;
begin
  Sdk := Hospital;
  Filters := ParseJson('{"interface_type": ["person_info"]}');
  try
    Answer := Sdk.UniversalQuery('call_log', Filters);
    try
      Rows := Answer.Get('data');
      CheckTrue((Rows <> nil) and (Rows.Kind = jkArray) and (Rows.Count > 0), 'call log rows: ' + Copy(Answer.ToJson, 1, 300));
    finally
      Answer.Free;
    end;
  finally
    Filters.Free;
    Sdk.Free;
  end;
end;

procedure TestCompleteExample;
var
  Exe, Config, Output: string;
  Lines: TStringList;
  Code: Integer;
begin
  Exe := GetEnvironmentVariable('DELPHI_EXAMPLE_EXE');
  CheckTrue((Exe <> '') and FileExists(Exe), 'DELPHI_EXAMPLE_EXE built by run-tests.sh');
  Config := GetTempDir + 'delphi-example-' + IntToStr(Random(1000000)) + '.json';
  Lines := TStringList.Create;
  try
    Lines.Text := '{"medical_insurance": {"api_base_url": "' + Env('MEDICAL_INSURANCE_API_URL') + '", "api_key": "'
      + Env('MEDICAL_INSURANCE_API_KEY') + '", "institution_code": "' + Env('MEDICAL_INSURANCE_INSTITUTION_CODE')
      + '", "timeout": 30, "retry": {"max_attempts": 3, "backoff_factor": 1.5}}}';
    Lines.SaveToFile(Config);
    Output := GetTempDir + 'delphi-example-' + IntToStr(Random(1000000)) + '.out';
    Code := ExecuteProcess('/bin/sh', ['-c', '"' + Exe + '" "' + Config + '" > "' + Output + '" 2>&1']);
    Lines.LoadFromFile(Output);
    DeleteFile(Output);
    Write('        | ' + StringReplace(TrimRight(Lines.Text), #10, #10'        | ', [rfReplaceAll]));
    Writeln;
    CheckEqual(0, Code, 'exit code');
    CheckTrue(Pos('患者信息: 张三', Lines.Text) > 0, 'output has 患者信息: 张三');
    CheckTrue(Pos('挂号成功: ', Lines.Text) > 0, 'output has 挂号成功');
    CheckTrue(Pos('门诊结算完成: ', Lines.Text) > 0, 'output has 门诊结算完成');
    CheckTrue(Pos('批量操作: 2/2 成功', Lines.Text) > 0, 'output has 批量操作: 2/2 成功');
  finally
    DeleteFile(Config);
    Lines.Free;
  end;
end;

procedure RunLiveTests;
begin
  Serial := MilliSecondOfTheDay(Now) mod 100000;
  Writeln('live tests against ', GetEnvironmentVariable('MEDICAL_INSURANCE_API_URL'));
  RunTest('live: 1101 person info by the spec''s signature, typed request and Call', TestPersonInfo);
  RunTest('live: outpatient 2201->2203->2204->2206->2207->2208 with the sandbox''s exact amounts', TestOutpatientFlow);
  RunTest('live: pharmacy 2101->2102 with the pharmacy key', TestPharmacyFlow);
  RunTest('live: 401 wrong key is EMIAuthentication', TestWrongKey);
  RunTest('live: 403 analyst key on a write is EMIPermissionDenied', TestAnalystOnWrite);
  RunTest('live: 422 lists every missing field', TestValidation);
  RunTest('live: business refusal: cancelling a cancelled settlement again', TestBusinessRefusal);
  RunTest('live: 2207 whose answer is lost (fault timeout_after) is EOutcomeUnknown, sent once', TestLostMoneyAnswer);
  RunTest('live: batch: two 1101 and one invalid operation', TestBatch);
  RunTest('live: async task: a 1101 created, waited for, its result read', TestAsyncTask);
  RunTest('live: universal query (call_log)', TestUniversalQuery);
  RunTest('live: spec §11.2.3 complete example (Delphi port) compiles and runs', TestCompleteExample);
end;

end.
