<?xml version="1.0"?>
<!--
  SPDX-License-Identifier: BSD-3-Clause
  An OCF resource agent's meta-data (the XML of `AGENT meta-data`) as a
  manual page in roff, laid out like the ocf_heartbeat_*(7) pages of
  resource-agents: NAME, SYNOPSIS, DESCRIPTION, SUPPORTED PARAMETERS,
  SUPPORTED ACTIONS, EXAMPLE PCS, SEE ALSO. Parameters:
    provider  the OCF provider (ocf:PROVIDER:AGENT)
    version   the package version, for the footer
    date      the page date (YYYY-MM-DD)
    seealso   the SEE ALSO pages, blank-separated: "pcs(8) crm(8)"
  Longdesc text: blank lines separate paragraphs, indented lines are kept
  as they are (examples).
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:strip-space elements="*"/>

<xsl:param name="provider"/>
<xsl:param name="version"/>
<xsl:param name="date"/>
<xsl:param name="seealso"/>

<xsl:variable name="nl" select="'&#10;'"/>
<xsl:variable name="agent" select="/resource-agent/@name"/>

<!-- replace every $from in $text by $to -->
<xsl:template name="replace">
  <xsl:param name="text"/>
  <xsl:param name="from"/>
  <xsl:param name="to"/>
  <xsl:choose>
    <xsl:when test="contains($text, $from)">
      <xsl:value-of select="concat(substring-before($text, $from), $to)"/>
      <xsl:call-template name="replace">
        <xsl:with-param name="text" select="substring-after($text, $from)"/>
        <xsl:with-param name="from" select="$from"/>
        <xsl:with-param name="to" select="$to"/>
      </xsl:call-template>
    </xsl:when>
    <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>

<!-- text made safe for roff: backslashes, minus signs, and a leading
     control character (. or ') -->
<xsl:template name="esc">
  <xsl:param name="text"/>
  <xsl:variable name="bs">
    <xsl:call-template name="replace">
      <xsl:with-param name="text" select="$text"/>
      <xsl:with-param name="from" select="'\'"/>
      <xsl:with-param name="to" select="'\e'"/>
    </xsl:call-template>
  </xsl:variable>
  <xsl:variable name="mi">
    <xsl:call-template name="replace">
      <xsl:with-param name="text" select="$bs"/>
      <xsl:with-param name="from" select="'-'"/>
      <xsl:with-param name="to" select="'\-'"/>
    </xsl:call-template>
  </xsl:variable>
  <xsl:if test="starts-with($mi, '.') or starts-with($mi, &quot;'&quot;)">\&amp;</xsl:if>
  <xsl:value-of select="$mi"/>
</xsl:template>

<!-- the leading blanks of a line removed -->
<xsl:template name="ltrim">
  <xsl:param name="s"/>
  <xsl:choose>
    <xsl:when test="starts-with($s, ' ') or starts-with($s, '&#9;')">
      <xsl:call-template name="ltrim">
        <xsl:with-param name="s" select="substring($s, 2)"/>
      </xsl:call-template>
    </xsl:when>
    <xsl:otherwise><xsl:value-of select="$s"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>

<!-- Long text, line by line. state: start | text | blank | pre -->
<xsl:template name="lines">
  <xsl:param name="text"/>
  <xsl:param name="state" select="'start'"/>
  <xsl:variable name="line">
    <xsl:choose>
      <xsl:when test="contains($text, $nl)">
        <xsl:value-of select="substring-before($text, $nl)"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="rest" select="substring-after($text, $nl)"/>
  <xsl:variable name="blank" select="normalize-space($line) = ''"/>
  <xsl:variable name="indented"
    select="not($blank) and (starts-with($line, ' ') or starts-with($line, '&#9;'))"/>
  <xsl:variable name="next">
    <xsl:choose>
      <xsl:when test="$blank and ($state = 'start' or $state = 'blank')">
        <xsl:value-of select="$state"/>
      </xsl:when>
      <xsl:when test="$blank">blank</xsl:when>
      <xsl:when test="$indented">pre</xsl:when>
      <xsl:otherwise>text</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <!-- leaving a preformatted block -->
  <xsl:if test="$state = 'pre' and $next != 'pre'">
    <xsl:value-of select="concat('.fi', $nl, '.RE', $nl)"/>
  </xsl:if>
  <!-- a paragraph break between two blocks -->
  <xsl:if test="$state = 'blank' and $next != 'blank'">
    <xsl:value-of select="concat('.PP', $nl)"/>
  </xsl:if>
  <xsl:if test="$next = 'pre' and $state != 'pre'">
    <xsl:value-of select="concat('.RS 4', $nl, '.nf', $nl)"/>
  </xsl:if>
  <xsl:choose>
    <xsl:when test="$next = 'pre'">
      <xsl:call-template name="esc">
        <xsl:with-param name="text" select="$line"/>
      </xsl:call-template>
      <xsl:value-of select="$nl"/>
    </xsl:when>
    <xsl:when test="$next = 'text'">
      <xsl:call-template name="esc">
        <xsl:with-param name="text">
          <xsl:call-template name="ltrim">
            <xsl:with-param name="s" select="$line"/>
          </xsl:call-template>
        </xsl:with-param>
      </xsl:call-template>
      <xsl:value-of select="$nl"/>
    </xsl:when>
  </xsl:choose>
  <xsl:choose>
    <xsl:when test="contains($text, $nl)">
      <xsl:call-template name="lines">
        <xsl:with-param name="text" select="$rest"/>
        <xsl:with-param name="state" select="$next"/>
      </xsl:call-template>
    </xsl:when>
    <xsl:when test="$next = 'pre'">
      <xsl:value-of select="concat('.fi', $nl, '.RE', $nl)"/>
    </xsl:when>
  </xsl:choose>
</xsl:template>

<!-- "a(8) b(1)" as "\fBa\fR(8), \fBb\fR(1)" -->
<xsl:template name="seealso">
  <xsl:param name="list"/>
  <xsl:variable name="head">
    <xsl:choose>
      <xsl:when test="contains($list, ' ')">
        <xsl:value-of select="substring-before($list, ' ')"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$list"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:text>\fB</xsl:text>
  <xsl:call-template name="esc">
    <xsl:with-param name="text" select="substring-before($head, '(')"/>
  </xsl:call-template>
  <xsl:value-of select="concat('\fR(', substring-after($head, '('))"/>
  <xsl:if test="contains($list, ' ')">
    <xsl:text>, </xsl:text>
    <xsl:call-template name="seealso">
      <xsl:with-param name="list" select="substring-after($list, ' ')"/>
    </xsl:call-template>
  </xsl:if>
</xsl:template>

<xsl:template match="/resource-agent">
  <xsl:variable name="page" select="concat('ocf_', $provider, '_', $agent)"/>
  <xsl:text>.\" Generated from the agent's meta-data by ra2man.xsl; do not edit.&#10;</xsl:text>
  <xsl:text>.TH "</xsl:text>
  <xsl:call-template name="esc"><xsl:with-param name="text" select="$page"/></xsl:call-template>
  <xsl:value-of select="concat('&quot; &quot;7&quot; &quot;', $date, '&quot; &quot;')"/>
  <xsl:call-template name="esc">
    <xsl:with-param name="text" select="concat('dpdk-vipshare ', $version)"/>
  </xsl:call-template>
  <xsl:text>" "OCF agents"&#10;.nh&#10;.ad l&#10;</xsl:text>

  <xsl:text>.SH NAME&#10;</xsl:text>
  <xsl:call-template name="esc"><xsl:with-param name="text" select="$page"/></xsl:call-template>
  <xsl:text> \- </xsl:text>
  <xsl:call-template name="esc">
    <xsl:with-param name="text" select="normalize-space(shortdesc)"/>
  </xsl:call-template>
  <xsl:value-of select="$nl"/>

  <xsl:text>.SH SYNOPSIS&#10;.B </xsl:text>
  <xsl:call-template name="esc"><xsl:with-param name="text" select="$agent"/></xsl:call-template>
  <xsl:text>&#10;[</xsl:text>
  <xsl:for-each select="actions/action">
    <xsl:if test="position() > 1"> | </xsl:if>
    <xsl:call-template name="esc"><xsl:with-param name="text" select="@name"/></xsl:call-template>
  </xsl:for-each>
  <xsl:text>]&#10;</xsl:text>

  <xsl:text>.SH DESCRIPTION&#10;</xsl:text>
  <xsl:call-template name="lines">
    <xsl:with-param name="text" select="longdesc"/>
  </xsl:call-template>

  <xsl:text>.SH SUPPORTED PARAMETERS&#10;</xsl:text>
  <xsl:for-each select="parameters/parameter">
    <xsl:text>.PP&#10;\fB</xsl:text>
    <xsl:call-template name="esc"><xsl:with-param name="text" select="@name"/></xsl:call-template>
    <xsl:text>\fR \- </xsl:text>
    <xsl:call-template name="esc">
      <xsl:with-param name="text" select="normalize-space(shortdesc)"/>
    </xsl:call-template>
    <xsl:text>&#10;.RS 4&#10;</xsl:text>
    <xsl:call-template name="lines">
      <xsl:with-param name="text" select="longdesc"/>
    </xsl:call-template>
    <xsl:text>.PP&#10;(</xsl:text>
    <xsl:if test="@required = '1'">required, </xsl:if>
    <xsl:if test="@unique = '1'">unique, </xsl:if>
    <xsl:if test="@reloadable = '1'">reloadable, </xsl:if>
    <xsl:call-template name="esc"><xsl:with-param name="text" select="content/@type"/></xsl:call-template>
    <xsl:choose>
      <xsl:when test="normalize-space(content/@default) = ''">, no default)</xsl:when>
      <xsl:otherwise>
        <xsl:text>, default "</xsl:text>
        <xsl:call-template name="esc">
          <xsl:with-param name="text" select="content/@default"/>
        </xsl:call-template>
        <xsl:text>")</xsl:text>
      </xsl:otherwise>
    </xsl:choose>
    <xsl:text>&#10;.RE&#10;</xsl:text>
  </xsl:for-each>

  <xsl:text>.SH SUPPORTED ACTIONS&#10;</xsl:text>
  <xsl:for-each select="actions/action">
    <xsl:text>.IP \(bu 2&#10;\fB</xsl:text>
    <xsl:call-template name="esc"><xsl:with-param name="text" select="@name"/></xsl:call-template>
    <xsl:text>\fR</xsl:text>
    <xsl:for-each select="@*[name() != 'name']">
      <xsl:text> </xsl:text>
      <xsl:call-template name="esc">
        <xsl:with-param name="text" select="concat(name(), '=', .)"/>
      </xsl:call-template>
    </xsl:for-each>
    <xsl:value-of select="$nl"/>
  </xsl:for-each>

  <xsl:text>.SH EXAMPLE PCS&#10;.RS 4&#10;.nf&#10;</xsl:text>
  <xsl:call-template name="esc">
    <xsl:with-param name="text"
      select="concat('pcs resource create example ocf:', $provider, ':', $agent, ' \')"/>
  </xsl:call-template>
  <xsl:value-of select="$nl"/>
  <xsl:for-each select="parameters/parameter[@required = '1']">
    <xsl:call-template name="esc">
      <xsl:with-param name="text" select="concat('  ', @name, '=', content/@type, ' \')"/>
    </xsl:call-template>
    <xsl:value-of select="$nl"/>
  </xsl:for-each>
  <xsl:for-each select="actions/action[@name = 'monitor'][1]">
    <xsl:call-template name="esc">
      <xsl:with-param name="text" select="concat('  op monitor interval=', @interval, ' timeout=', @timeout)"/>
    </xsl:call-template>
    <xsl:value-of select="$nl"/>
  </xsl:for-each>
  <xsl:text>.fi&#10;.RE&#10;</xsl:text>

  <xsl:text>.SH SEE ALSO&#10;</xsl:text>
  <xsl:call-template name="seealso">
    <xsl:with-param name="list" select="normalize-space($seealso)"/>
  </xsl:call-template>
  <xsl:value-of select="$nl"/>
</xsl:template>

</xsl:stylesheet>
