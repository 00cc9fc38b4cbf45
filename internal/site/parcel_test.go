package site

import (
	"strings"
	"testing"
)

func TestParseParcelID(t *testing.T) {
	tests := []struct {
		in                     string
		want                   ParcelID
		insee, section, number string
	}{
		{"94041000AZ0056", "94041000AZ0056", "94041", "AZ", "56"},
		{"94041000az0056", "94041000AZ0056", "94041", "AZ", "56"},
		{"94041000aZ0056", "94041000AZ0056", "94041", "AZ", "56"},
		{" 94041000AZ0056\n", "94041000AZ0056", "94041", "AZ", "56"},
		{"2A004000AB0012", "2A004000AB0012", "2A004", "AB", "12"},
		{"2b033000AB0012", "2B033000AB0012", "2B033", "AB", "12"},
		{"940410000A0001", "940410000A0001", "94041", "A", "1"},
		{"94041000A01000", "94041000A01000", "94041", "A0", "1000"},
		{"94041000AZ9999", "94041000AZ9999", "94041", "AZ", "9999"},
		{"75056101AB0001", "75056101AB0001", "75056", "AB", "1"},
		{"97411000CD0123", "97411000CD0123", "97411", "CD", "123"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseParcelID(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("ParseParcelID(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
			if g := got.Insee(); g != tt.insee {
				t.Errorf("ParseParcelID(%q).Insee() = %q; want %q", tt.in, g, tt.insee)
			}
			if g := got.Section(); g != tt.section {
				t.Errorf("ParseParcelID(%q).Section() = %q; want %q", tt.in, g, tt.section)
			}
			if g := got.Number(); g != tt.number {
				t.Errorf("ParseParcelID(%q).Number() = %q; want %q", tt.in, g, tt.number)
			}
			if again, err := ParseParcelID(string(got)); err != nil || again != got {
				t.Errorf("ParseParcelID(%q) = %q, %v; want it to read back unchanged", got, again, err)
			}
		})
	}
}

func TestParseParcelIDInvalid(t *testing.T) {
	tests := []struct {
		name, in, wantReason string
	}{
		{"empty", "", "14 characters"},
		{"blank", "              ", "14 characters"},
		{"13 characters", "94041000AZ005", "14 characters"},
		{"15 characters", "94041000AZ00056", "14 characters"},
		{"unpadded section", "94041000A0056", "14 characters"},
		{"spaces inside", "94041 000 AZ 0056", "14 characters"},
		{"section 00", "9404100000" + "0056", "section cannot be 00"},
		{"number 0000", "94041000AZ0000", "number"},
		{"letters in the number", "94041000AZ005A", "number"},
		{"letter O for zero in the number", "94041000AZ0O56", "number"},
		{"sign in the number", "94041000AZ-056", "number"},
		{"letters in the INSEE code", "9404A000AZ0056", "INSEE"},
		{"Corsica 2C", "2C004000AB0012", "INSEE"},
		{"Corsica letter late", "20A04000AB0012", "INSEE"},
		{"letters in the prefix", "94041A00AZ0056", "prefix"},
		{"punctuation in the section", "94041000A-0056", "section"},
		{"accented section", "94041000É0056", "section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseParcelID(tt.in)
			if err == nil {
				t.Fatalf("ParseParcelID(%q) = %q; want an error", tt.in, got)
			}
			if field, ok := invalidField(err); !ok || field != "parcel_id" {
				t.Errorf("ParseParcelID(%q) error = %v; want an *InvalidError on parcel_id", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantReason) {
				t.Errorf("ParseParcelID(%q) error = %v; want it to mention %q", tt.in, err, tt.wantReason)
			}
			if got != "" {
				t.Errorf("ParseParcelID(%q) = %q with an error; want \"\"", tt.in, got)
			}
		})
	}
}
