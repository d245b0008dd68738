// Hand-written: exact decimal text <-> Currency, with no floating point on the way.
//
// DecimalToCurrency('2680.50')   -> 2680.5 as Currency (scaled Int64)
// CurrencyToDecimal(C)           -> '2680.50' (at least two decimals, as the bureau writes amounts)
//
// Amounts in the bureau's JSON stay text (MedicalInsurance.Json); this unit is where they become numbers.
unit MedicalInsurance.Decimal;

{$IFDEF FPC}{$MODE DELPHI}{$H+}{$ENDIF}

interface

uses
  SysUtils;

function IsDecimalText(const S: string): Boolean;
function DecimalToCurrency(const Text: string): Currency;
function CurrencyToDecimal(C: Currency): string;
function TryDecimalToCurrency(const Text: string; out C: Currency): Boolean;

implementation

function IsDecimalText(const S: string): Boolean;
var
  I: Integer;
  Digits, Dot, Exp: Boolean;
begin
  Result := False;
  if S = '' then Exit;
  I := 1;
  if S[1] = '-' then Inc(I);
  Digits := False;
  Dot := False;
  Exp := False;
  while I <= Length(S) do
  begin
    case S[I] of
      '0'..'9': Digits := True;
      '.': begin if Dot or Exp or not Digits then Exit; Dot := True; Digits := False; end;
      'e', 'E':
        begin
          if Exp or not Digits then Exit;
          Exp := True;
          Digits := False;
          if (I < Length(S)) and CharInSet(S[I + 1], ['+', '-']) then Inc(I);
        end;
    else
      Exit;
    end;
    Inc(I);
  end;
  Result := Digits;
end;

function TryDecimalToCurrency(const Text: string; out C: Currency): Boolean;
var
  I, Frac: Integer;
  Scaled: Int64;
  Negative, InFrac: Boolean;
begin
  // plain decimals only (no exponent): at most 4 fraction digits, the rest must be zeros
  Result := False;
  C := 0;
  if (Text = '') or (Pos('e', LowerCase(Text)) > 0) or not IsDecimalText(Text) then Exit;
  Negative := Text[1] = '-';
  Scaled := 0;
  Frac := 0;
  InFrac := False;
  for I := 1 + Ord(Negative) to Length(Text) do
  begin
    if Text[I] = '.' then begin InFrac := True; Continue; end;
    if InFrac then
    begin
      if Frac >= 4 then
      begin
        if Text[I] <> '0' then Exit;  // more precision than Currency holds: not exact
        Continue;
      end;
      Inc(Frac);
    end;
    if Scaled > (High(Int64) div 10 - 9) then Exit;
    Scaled := Scaled * 10 + (Ord(Text[I]) - Ord('0'));
  end;
  while Frac < 4 do begin Scaled := Scaled * 10; Inc(Frac); end;
  if Negative then Scaled := -Scaled;
  Move(Scaled, C, SizeOf(C));  // Currency is an Int64 scaled by 10000 in FPC and Delphi alike
  Result := True;
end;

function DecimalToCurrency(const Text: string): Currency;
begin
  if not TryDecimalToCurrency(Text, Result) then
    raise EConvertError.CreateFmt('不是精确的金额（最多 4 位小数）: %s', [Text]);
end;

function CurrencyToDecimal(C: Currency): string;
var
  Scaled: Int64;
  Whole, Frac: string;
  Negative: Boolean;
begin
  Move(C, Scaled, SizeOf(Scaled));
  Negative := Scaled < 0;
  if Negative then Scaled := -Scaled;
  Whole := IntToStr(Scaled div 10000);
  Frac := IntToStr(Scaled mod 10000);
  while Length(Frac) < 4 do Frac := '0' + Frac;
  while (Frac <> '') and (Frac[Length(Frac)] = '0') do System.Delete(Frac, Length(Frac), 1);
  // at least two decimals as the bureau writes amounts (12.50, 25.00); finer scales keep their digits
  while Length(Frac) < 2 do Frac := Frac + '0';
  Result := Whole + '.' + Frac;
  if Negative then Result := '-' + Result;
end;

end.
