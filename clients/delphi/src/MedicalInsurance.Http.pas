// Hand-written: one HTTP exchange, and whether a failure means "never sent" or "answer lost".
//
//   Kind := MIHttpSend('POST', Url, Headers, Body, 30000, Resp, Cause);
//
// Free Pascal: fphttpclient (compiled and tested here).  Delphi 10+: System.Net.HttpClient (NOT compiled
// here: no Delphi compiler on this machine).  Bodies are UTF-8: FPC strings are UTF-8 bytes already;
// Delphi's UnicodeString is converted with TEncoding.UTF8.
unit MedicalInsurance.Http;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils, Classes;

type
  // hkNotSent: provably never left this machine (refused, unknown host) — safe to send again;
  // hkLost: it may have reached the gateway, no answer came
  TMIHttpKind = (hkAnswered, hkNotSent, hkLost);

  TMIHttpResponse = record
    Status: Integer;
    Body: string;
    ContentType: string;
    RetryAfter: string;
    RequestId: string;
  end;

  // what a TMICore sends through; tests replace it
  TMITransport = function(const Method, Url: string; Headers: TStrings; const Body: string;
    TimeoutMs: Integer; out Resp: TMIHttpResponse; out Cause: string): TMIHttpKind of object;

  TMIHttp = class
  public
    function Send(const Method, Url: string; Headers: TStrings; const Body: string; TimeoutMs: Integer;
      out Resp: TMIHttpResponse; out Cause: string): TMIHttpKind;
  end;

// percent-encoding of a query value (UTF-8)
function UrlEncode(const S: string): string;

implementation

uses
{$IFDEF FPC}
  fphttpclient, ssockets;
{$ELSE}
  System.Net.HttpClient, System.Net.URLClient, System.NetEncoding;
{$ENDIF}

function UrlEncode(const S: string): string;
{$IFDEF FPC}
var
  I: Integer;
begin
  Result := '';
  for I := 1 to Length(S) do
    if CharInSet(S[I], ['A'..'Z', 'a'..'z', '0'..'9', '-', '_', '.', '~']) then Result := Result + S[I]
    else Result := Result + '%' + IntToHex(Ord(S[I]), 2);
end;
{$ELSE}
begin
  Result := TNetEncoding.URL.Encode(S);
end;
{$ENDIF}

{$IFDEF FPC}
function TMIHttp.Send(const Method, Url: string; Headers: TStrings; const Body: string; TimeoutMs: Integer;
  out Resp: TMIHttpResponse; out Cause: string): TMIHttpKind;
var
  Client: TFPHTTPClient;
  Answer: TStringStream;
  I: Integer;
begin
  Resp.Status := 0;
  Resp.Body := '';
  Cause := '';
  Client := TFPHTTPClient.Create(nil);
  Answer := TStringStream.Create('');
  try
    Client.KeepConnection := False;
    Client.ConnectTimeout := TimeoutMs;
    Client.IOTimeout := TimeoutMs;
    for I := 0 to Headers.Count - 1 do Client.AddHeader(Headers.Names[I], Headers.ValueFromIndex[I]);
    if Body <> '' then Client.RequestBody := TStringStream.Create(Body);
    try
      Client.HTTPMethod(Method, Url, Answer, []);
      Resp.Status := Client.ResponseStatusCode;
      Resp.Body := Answer.DataString;
      Resp.ContentType := Client.GetHeader(Client.ResponseHeaders, 'Content-Type');
      Resp.RetryAfter := Client.GetHeader(Client.ResponseHeaders, 'Retry-After');
      Resp.RequestId := Client.GetHeader(Client.ResponseHeaders, 'X-Request-ID');
      Result := hkAnswered;
    except
      on E: ESocketError do
      begin
        Cause := E.Message;
        // connect refused / host unknown / connect timed out: no byte of the request left
        if E.Code in [seHostNotFound, seCreationFailed, seConnectFailed, seConnectTimeOut] then Result := hkNotSent
        else Result := hkLost;
      end;
      on E: Exception do
      begin
        Cause := E.ClassName + ': ' + E.Message;
        Result := hkLost;
      end;
    end;
  finally
    Client.RequestBody.Free;
    Client.RequestBody := nil;
    Answer.Free;
    Client.Free;
  end;
end;
{$ELSE}
function TMIHttp.Send(const Method, Url: string; Headers: TStrings; const Body: string; TimeoutMs: Integer;
  out Resp: TMIHttpResponse; out Cause: string): TMIHttpKind;
var
  Client: THTTPClient;
  Source: TBytesStream;
  Answer: TBytesStream;
  Response: IHTTPResponse;
  List: TNetHeaders;
  I: Integer;
begin
  Resp.Status := 0;
  Resp.Body := '';
  Cause := '';
  Client := THTTPClient.Create;
  Source := nil;
  Answer := TBytesStream.Create;
  try
    Client.ConnectionTimeout := TimeoutMs;
    Client.ResponseTimeout := TimeoutMs;
    SetLength(List, Headers.Count);
    for I := 0 to Headers.Count - 1 do List[I] := TNameValuePair.Create(Headers.Names[I], Headers.ValueFromIndex[I]);
    if Body <> '' then Source := TBytesStream.Create(TEncoding.UTF8.GetBytes(Body));
    try
      Response := Client.Execute(Method, Url, Source, Answer, List);
      Resp.Status := Response.StatusCode;
      Resp.Body := TEncoding.UTF8.GetString(Answer.Bytes, 0, Answer.Size);
      Resp.ContentType := Response.HeaderValue['Content-Type'];
      Resp.RetryAfter := Response.HeaderValue['Retry-After'];
      Resp.RequestId := Response.HeaderValue['X-Request-ID'];
      Result := hkAnswered;
    except
      on E: Exception do
      begin
        // System.Net does not tell a refused connection from a lost answer: treat both as lost (never re-sends
        // a write or money call; a query is still retried)
        Cause := E.ClassName + ': ' + E.Message;
        Result := hkLost;
      end;
    end;
  finally
    Source.Free;
    Answer.Free;
    Client.Free;
  end;
end;
{$ENDIF}

end.
