#!/usr/bin/perl
# dkim-interop.pl - Perl Mail::DKIM's side of t/dkim-interop.t (test helper only)
#
#   dkim-interop.pl verify DNSFILE MESSAGE          -> "pass" / "fail ..." (first signature)
#   dkim-interop.pl sign KEY DOMAIN SELECTOR CANON < MESSAGE > SIGNED
#
# Mail::DKIM::DNS::query is replaced to answer from DNSFILE ("name TXT" lines),
# as Mail::DKIM's own tests fake DNS.
use strict;
use warnings;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Net::DNS;

my $cmd = shift @ARGV;
if ($cmd eq 'verify') {
	my ($dnsfile, $file) = @ARGV;
	my %table;
	open my $d, '<', $dnsfile or die "$dnsfile: $!";
	while (<$d>) {
		chomp;
		next if /^#/ || !/ /;
		my ($name, $value) = split / /, $_, 2;
		$table{lc $name} = $value;
	}
	no warnings 'redefine';
	*Mail::DKIM::DNS::query = sub {
		my ($domain, $type) = @_;
		my $txt = $table{lc $domain};
		return () unless defined $txt && $type eq 'TXT';
		# long values in 255-octet character-strings, as DNS carries them
		my @strings = unpack('(A255)*', $txt);
		return (Net::DNS::RR->new(name => $domain, type => 'TXT', txtdata => \@strings));
	};
	my $v = Mail::DKIM::Verifier->new;
	open my $fh, '<', $file or die "$file: $!";
	binmode $fh;
	while (<$fh>) {
		s/\r?\n\z/\015\012/;
		$v->PRINT($_);
	}
	$v->CLOSE;
	my $sig = ($v->signatures)[0];
	print $sig ? $sig->result . ' ' . ($sig->result_detail // '') : 'none', "\n";
	exit 0;
}
if ($cmd eq 'sign') {
	my ($key, $domain, $selector, $canon) = @ARGV;
	my $msg = do { local $/; <STDIN> };
	(my $crlf = $msg) =~ s/\r?\n/\015\012/g;
	my $s = Mail::DKIM::Signer->new(Algorithm => 'rsa-sha256', Method => $canon,
	    Domain => $domain, Selector => $selector, KeyFile => $key,
	    Headers => 'from:to:subject:date');
	$s->PRINT($crlf);
	$s->CLOSE;
	print $s->signature->as_string, "\015\012", $crlf;
	exit 0;
}
exit 2;
